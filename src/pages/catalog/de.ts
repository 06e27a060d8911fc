import type { Messages } from "../i18n.ts";
import { plural } from "../plural.ts";

export const de: Messages = {
  backTo: (store) => `Zurück zu ${store}`,
  errorReference: (status, code) => `Fehler ${status} (${code})`,
  errors: {
    invalid_token: {
      title: "Dieser Download-Link ist ungültig",
      text: "Der Link ist vielleicht unvollständig oder verändert; öffnen Sie ihn genau so, wie der Shop ihn geschickt hat.",
    },
    not_yet_valid: {
      title: "Dieser Download ist noch nicht freigegeben",
      text: "Der Shop hat für diesen Link einen Startzeitpunkt festgelegt, der noch nicht erreicht ist.",
    },
    expired: {
      title: "Dieser Download-Link ist abgelaufen",
      text: "Links dieses Shops gelten nur für eine begrenzte Zeit.",
    },
    revoked: { title: "Dieser Download-Link ist nicht mehr gültig", text: "Der Shop hat ihn zurückgezogen." },
    limit_reached: {
      title: "Download-Limit erreicht",
      text: "Diese Datei wurde so oft heruntergeladen, wie der Kauf es erlaubt.",
    },
    ip_not_allowed: {
      title: "Aus diesem Netzwerk nicht verfügbar",
      text: "Dieser Link funktioniert nur aus dem Netzwerk, für das er ausgestellt wurde.",
    },
    device_limit_reached: {
      title: "Zu viele Geräte",
      text: "Dieser Link wurde bereits auf so vielen Geräten benutzt, wie er zulässt.",
    },
    pending: {
      title: "Ihre Bestellung ist noch nicht bezahlt",
      text: "Der Download wird freigegeben, sobald die Zahlung bestätigt ist.",
    },
    suspended: { title: "Dieser Download ist angehalten", text: "Der Shop hat diesen Link für eine Prüfung pausiert." },
    country_not_allowed: {
      title: "In Ihrem Land nicht verfügbar",
      text: "Diese Datei kann von Ihrem Standort aus nicht heruntergeladen werden.",
    },
    auth_required: {
      title: "Bitte melden Sie sich zum Herunterladen an",
      text: "Diese Datei gehört zu einem Kundenkonto.",
    },
    forbidden: {
      title: "Das gehört zu einem anderen Konto",
      text: "Sie sind angemeldet, aber nicht als die Person, die dies gekauft hat.",
    },
    not_found: { title: "Nicht gefunden", text: "Unter dieser Adresse gibt es nichts." },
    method_not_allowed: { title: "Nicht unterstützt", text: "Diese Adresse kann so nicht verwendet werden." },
    conflict: { title: "Konflikt", text: "Die Anfrage widerspricht Daten, die der Shop bereits hat." },
    precondition_failed: {
      title: "Die Datei hat sich geändert",
      text: "Es ist nicht mehr die Version, die Ihr Browser angefragt hat.",
    },
    range_not_satisfiable: {
      title: "Download kann nicht fortgesetzt werden",
      text: "Der angefragte Teil liegt außerhalb der Datei.",
    },
    rate_limited: {
      title: "Zu viele Anfragen",
      text: "Von Ihrer Verbindung kamen die Anfragen schneller als erlaubt.",
    },
    bad_request: { title: "Ungültige Anfrage", text: "Ein Teil der Adresse oder der Anfrage ist ungültig." },
    payload_too_large: { title: "Zu groß", text: "Die gesendeten Daten überschreiten die Größengrenze." },
    origin_error: {
      title: "Der Server des Shops hat die Datei nicht geliefert",
      text: "Seine Antwort war unvollständig oder ein Fehler.",
    },
    origin_timeout: {
      title: "Der Server des Shops antwortet nicht",
      text: "Er hat zu lange für eine Antwort gebraucht.",
    },
    unavailable: { title: "Vorübergehend nicht verfügbar", text: "Der Download-Dienst ist kurz nicht erreichbar." },
  },
  suspension: {
    order_held:
      "Ihre Bestellung wird vom Shop geprüft; der Download öffnet sich wieder, sobald die Prüfung abgeschlossen ist.",
    sharing:
      "Dieser Link wurde aus mehr Netzwerken oder Ländern genutzt, als der Shop erlaubt, und ist deshalb pausiert.",
  },
  used: (count, limit) => `Sie haben ${count} von ${limit} ${plural("de", limit, "Download", "Downloads")} genutzt.`,
  next: {
    signIn: "Melden Sie sich mit dem Konto an, mit dem Sie gekauft haben, und öffnen Sie den Link dann erneut.",
    signInButton: "Anmelden",
    support: "Wenn Sie Hilfe brauchen, wenden Sie sich an den Kundendienst des Shops.",
    supportButton: "Kundendienst kontaktieren",
    newLink: "Bitten Sie den Shop um einen neuen Download-Link.",
    pending: "Öffnen Sie diesen Link wieder, sobald der Shop Ihre Zahlung bestätigt hat.",
    retry: "Bitte versuchen Sie es in einer Minute erneut.",
    later: "Bitte öffnen Sie den Link später erneut.",
  },
  order: {
    title: (number) => `Ihre Downloads zur Bestellung ${number}`,
    intro: "Jede Schaltfläche startet den Download einer Datei.",
    pending:
      "Diese Bestellung wartet auf die Zahlung. Die Download-Schaltflächen erscheinen hier, sobald sie bestätigt ist.",
    canceled: "Diese Bestellung wurde storniert, ihre Dateien können nicht mehr heruntergeladen werden.",
    empty: "Zu dieser Bestellung gibt es keine Dateien.",
    privacy: "Geben Sie die Adresse dieser Seite nicht weiter: Wer sie kennt, kann diese Dateien herunterladen.",
    download: "Herunterladen",
    size: "Größe",
    unknownSize: "Größe noch unbekannt",
    remaining: (left, limit) => `${left} von ${limit} ${plural("de", limit, "Download", "Downloads")} übrig`,
    unlimited: "Unbegrenzte Downloads",
    until: (date) => `Verfügbar bis ${date}`,
    noExpiry: "Kein Ablaufdatum",
    status: {
      suspended: "Wird geprüft",
      pending: "Wartet auf Zahlung",
      expired: "Dieser Download ist abgelaufen",
      exhausted: "Alle Downloads genutzt",
      revoked: "Nicht mehr verfügbar",
      removed: "Der Shop hat diese Datei entfernt",
      not_yet_valid: "Noch nicht verfügbar",
    },
  },
};
