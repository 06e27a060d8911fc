import type { Messages } from "../i18n.ts";
import { plural } from "../plural.ts";

export const fr: Messages = {
  backTo: (store) => `Retour à ${store}`,
  errorReference: (status, code) => `Erreur ${status} (${code})`,
  errors: {
    invalid_token: {
      title: "Ce lien de téléchargement n’est pas valide",
      text: "Le lien est peut-être incomplet ou modifié ; ouvrez-le tel que la boutique l’a envoyé.",
    },
    not_yet_valid: {
      title: "Ce téléchargement n’est pas encore ouvert",
      text: "La boutique a fixé pour ce lien une heure de début qui n’est pas encore arrivée.",
    },
    expired: {
      title: "Ce lien de téléchargement a expiré",
      text: "Les liens de cette boutique ne fonctionnent que pendant une durée limitée.",
    },
    revoked: { title: "Ce lien de téléchargement n’est plus valide", text: "La boutique l’a retiré." },
    limit_reached: {
      title: "Limite de téléchargements atteinte",
      text: "Ce fichier a été téléchargé autant de fois que l’achat le permet.",
    },
    ip_not_allowed: {
      title: "Indisponible depuis ce réseau",
      text: "Ce lien ne fonctionne que depuis le réseau pour lequel il a été émis.",
    },
    device_limit_reached: {
      title: "Trop d’appareils",
      text: "Ce lien a déjà été utilisé sur autant d’appareils qu’il le permet.",
    },
    pending: {
      title: "Votre commande n’est pas encore payée",
      text: "Le téléchargement s’ouvre dès que le paiement est confirmé.",
    },
    suspended: {
      title: "Ce téléchargement est suspendu",
      text: "La boutique a mis ce lien en pause pour une vérification.",
    },
    country_not_allowed: {
      title: "Indisponible dans votre pays",
      text: "Ce fichier ne peut pas être téléchargé depuis l’endroit où vous êtes.",
    },
    auth_required: {
      title: "Veuillez vous connecter pour télécharger",
      text: "Ce fichier appartient à un compte client.",
    },
    forbidden: {
      title: "Ceci appartient à un autre compte",
      text: "Vous êtes connecté, mais pas en tant que client qui l’a acheté.",
    },
    not_found: { title: "Introuvable", text: "Il n’y a rien à cette adresse." },
    method_not_allowed: { title: "Non pris en charge", text: "Cette adresse ne peut pas être utilisée ainsi." },
    conflict: { title: "Conflit", text: "La demande contredit des données que la boutique possède déjà." },
    precondition_failed: {
      title: "Le fichier a changé",
      text: "Ce n’est plus la version demandée par votre navigateur.",
    },
    range_not_satisfiable: {
      title: "Impossible de reprendre ce téléchargement",
      text: "La partie demandée est en dehors du fichier.",
    },
    rate_limited: { title: "Trop de demandes", text: "Votre connexion a envoyé des demandes plus vite que permis." },
    bad_request: { title: "Demande non valide", text: "Une partie de l’adresse ou de la demande n’est pas valide." },
    payload_too_large: { title: "Trop volumineux", text: "Les données envoyées dépassent la taille maximale." },
    origin_error: {
      title: "Le serveur de la boutique n’a pas livré le fichier",
      text: "Sa réponse était incomplète ou une erreur.",
    },
    origin_timeout: { title: "Le serveur de la boutique ne répond pas", text: "Il a mis trop de temps à répondre." },
    unavailable: {
      title: "Momentanément indisponible",
      text: "Le service de téléchargement est brièvement inaccessible.",
    },
  },
  suspension: {
    order_held:
      "Votre commande est en cours de vérification par la boutique ; le téléchargement rouvrira une fois la vérification terminée.",
    sharing:
      "Ce lien a été utilisé depuis plus de réseaux ou de pays que la boutique ne le permet ; il a donc été mis en pause.",
  },
  used: (count, limit) =>
    `Vous avez utilisé ${count} ${plural("fr", count, "téléchargement", "téléchargements")} sur ${limit}.`,
  next: {
    signIn: "Connectez-vous avec le compte utilisé pour l’achat, puis rouvrez le lien.",
    signInButton: "Se connecter",
    support: "Si vous avez besoin d’aide, contactez le service client de la boutique.",
    supportButton: "Contacter le service client",
    newLink: "Demandez un nouveau lien de téléchargement à la boutique.",
    pending: "Revenez à ce lien une fois que la boutique aura confirmé votre paiement.",
    retry: "Veuillez réessayer dans une minute.",
    later: "Veuillez rouvrir le lien plus tard.",
  },
  order: {
    title: (number) => `Vos téléchargements pour la commande ${number}`,
    intro: "Chaque bouton lance le téléchargement d’un fichier.",
    pending:
      "Cette commande attend son paiement. Les boutons de téléchargement apparaîtront ici dès qu’il sera confirmé.",
    canceled: "Cette commande a été annulée, ses fichiers ne peuvent plus être téléchargés.",
    empty: "Cette commande ne contient aucun fichier à télécharger.",
    privacy: "Gardez l’adresse de cette page pour vous : toute personne qui la connaît peut télécharger ces fichiers.",
    download: "Télécharger",
    size: "Taille",
    unknownSize: "taille encore inconnue",
    remaining: (left, limit) =>
      `${left} ${plural("fr", left, "téléchargement restant", "téléchargements restants")} sur ${limit}`,
    unlimited: "Téléchargements illimités",
    until: (date) => `Disponible jusqu’au ${date}`,
    noExpiry: "Sans date d’expiration",
    status: {
      suspended: "En cours de vérification",
      pending: "En attente de paiement",
      expired: "Ce téléchargement a expiré",
      exhausted: "Tous les téléchargements utilisés",
      revoked: "N’est plus disponible",
      removed: "La boutique a retiré ce fichier",
      not_yet_valid: "Pas encore disponible",
    },
  },
};
