import type { ConfirmationFailure } from "../scanners/confirmation.ts";
import type { Lang } from "./i18n.ts";

/** The sentences of the preview card and the confirmation pages (docs/CONTRACT.md §6 rule 4a). */
export interface ScannerText {
  /** The card's description: "Download from {store}". */
  downloadFrom: (store: string) => string;
  size: (size: string) => string;
  confirmIntro: string;
  confirmButton: string;
  confirmNote: string;
  refused: Record<ConfirmationFailure, string>;
  /** The button that shows a fresh confirmation page. */
  again: string;
}

const TEXT: Record<Lang, ScannerText> = {
  en: {
    downloadFrom: (store) => `Download from ${store}`,
    size: (size) => `Size: ${size}`,
    confirmIntro: "Press the button to download the file.",
    confirmButton: "Download",
    confirmNote:
      "Pressing the button uses one download of your purchase. It works for 5 minutes in this browser; after that, open your download link again.",
    refused: {
      missing_cookie: "This download button only works in the browser that showed it.",
      invalid: "This download button is not valid.",
      expired: "This download button has expired: it works for 5 minutes.",
    },
    again: "Show the download button again",
  },
  de: {
    downloadFrom: (store) => `Download bei ${store}`,
    size: (size) => `Größe: ${size}`,
    confirmIntro: "Klicken Sie auf die Schaltfläche, um die Datei herunterzuladen.",
    confirmButton: "Herunterladen",
    confirmNote:
      "Ein Klick auf die Schaltfläche verbraucht einen Download Ihres Kaufs. Sie gilt 5 Minuten in diesem Browser; danach öffnen Sie Ihren Download-Link erneut.",
    refused: {
      missing_cookie: "Diese Download-Schaltfläche funktioniert nur in dem Browser, der sie angezeigt hat.",
      invalid: "Diese Download-Schaltfläche ist ungültig.",
      expired: "Diese Download-Schaltfläche ist abgelaufen: Sie gilt 5 Minuten.",
    },
    again: "Download-Schaltfläche neu anzeigen",
  },
  fr: {
    downloadFrom: (store) => `Téléchargement chez ${store}`,
    size: (size) => `Taille : ${size}`,
    confirmIntro: "Appuyez sur le bouton pour télécharger le fichier.",
    confirmButton: "Télécharger",
    confirmNote:
      "Le bouton utilise un des téléchargements de votre achat. Il reste valable 5 minutes dans ce navigateur ; ensuite, ouvrez à nouveau votre lien de téléchargement.",
    refused: {
      missing_cookie: "Ce bouton de téléchargement ne fonctionne que dans le navigateur qui l’a affiché.",
      invalid: "Ce bouton de téléchargement n’est pas valide.",
      expired: "Ce bouton de téléchargement a expiré : il reste valable 5 minutes.",
    },
    again: "Afficher à nouveau le bouton de téléchargement",
  },
  es: {
    downloadFrom: (store) => `Descarga de ${store}`,
    size: (size) => `Tamaño: ${size}`,
    confirmIntro: "Pulse el botón para descargar el archivo.",
    confirmButton: "Descargar",
    confirmNote:
      "El botón usa una de las descargas de su compra. Funciona durante 5 minutos en este navegador; después, vuelva a abrir su enlace de descarga.",
    refused: {
      missing_cookie: "Este botón de descarga solo funciona en el navegador que lo mostró.",
      invalid: "Este botón de descarga no es válido.",
      expired: "Este botón de descarga ha caducado: funciona durante 5 minutos.",
    },
    again: "Mostrar de nuevo el botón de descarga",
  },
};

export function scannerText(lang: Lang): ScannerText {
  return TEXT[lang];
}
