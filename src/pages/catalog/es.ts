import type { Messages } from "../i18n.ts";
import { plural } from "../plural.ts";

export const es: Messages = {
  backTo: (store) => `Volver a ${store}`,
  errorReference: (status, code) => `Error ${status} (${code})`,
  errors: {
    invalid_token: {
      title: "Este enlace de descarga no es válido",
      text: "Puede que el enlace esté incompleto o modificado; ábralo tal como lo envió la tienda.",
    },
    not_yet_valid: {
      title: "Esta descarga aún no está abierta",
      text: "La tienda fijó para este enlace una hora de inicio que todavía no ha llegado.",
    },
    expired: {
      title: "Este enlace de descarga ha caducado",
      text: "Los enlaces de esta tienda solo funcionan durante un tiempo limitado.",
    },
    revoked: { title: "Este enlace de descarga ya no es válido", text: "La tienda lo ha retirado." },
    limit_reached: {
      title: "Límite de descargas alcanzado",
      text: "Este archivo se ha descargado tantas veces como permite la compra.",
    },
    ip_not_allowed: {
      title: "No disponible desde esta red",
      text: "Este enlace solo funciona desde la red para la que se emitió.",
    },
    device_limit_reached: {
      title: "Demasiados dispositivos",
      text: "Este enlace ya se ha usado en tantos dispositivos como permite.",
    },
    pending: { title: "Su pedido aún no está pagado", text: "La descarga se abrirá en cuanto se confirme el pago." },
    suspended: { title: "Esta descarga está en pausa", text: "La tienda ha pausado este enlace para una revisión." },
    country_not_allowed: {
      title: "No disponible en su país",
      text: "Este archivo no se puede descargar desde donde se encuentra.",
    },
    auth_required: { title: "Inicie sesión para descargar", text: "Este archivo pertenece a una cuenta de cliente." },
    forbidden: {
      title: "Esto pertenece a otra cuenta",
      text: "Ha iniciado sesión, pero no como el cliente que lo compró.",
    },
    not_found: { title: "No encontrado", text: "No hay nada en esta dirección." },
    method_not_allowed: { title: "No admitido", text: "Esta dirección no se puede usar de esa manera." },
    conflict: { title: "Conflicto", text: "La solicitud choca con datos que la tienda ya tiene." },
    precondition_failed: { title: "El archivo ha cambiado", text: "Ya no es la versión que pidió su navegador." },
    range_not_satisfiable: {
      title: "No se puede reanudar esta descarga",
      text: "La parte solicitada está fuera del archivo.",
    },
    rate_limited: {
      title: "Demasiadas solicitudes",
      text: "Su conexión envió solicitudes más rápido de lo permitido.",
    },
    bad_request: { title: "Solicitud no válida", text: "Parte de la dirección o de la solicitud no es válida." },
    payload_too_large: { title: "Demasiado grande", text: "Los datos enviados superan el tamaño máximo." },
    origin_error: {
      title: "El servidor de la tienda no entregó el archivo",
      text: "Su respuesta fue incompleta o un error.",
    },
    origin_timeout: { title: "El servidor de la tienda no responde", text: "Tardó demasiado en responder." },
    unavailable: {
      title: "No disponible temporalmente",
      text: "El servicio de descargas no está accesible por un momento.",
    },
  },
  suspension: {
    order_held: "La tienda está revisando su pedido; la descarga se abrirá de nuevo cuando termine la revisión.",
    sharing: "Este enlace se ha usado desde más redes o países de los que la tienda permite, por lo que se ha pausado.",
  },
  used: (count, limit) => `Ha usado ${count} de ${limit} ${plural("es", limit, "descarga", "descargas")}.`,
  next: {
    signIn: "Inicie sesión con la cuenta con la que compró y vuelva a abrir el enlace.",
    signInButton: "Iniciar sesión",
    support: "Si necesita ayuda, contacte con el servicio de atención de la tienda.",
    supportButton: "Contactar con soporte",
    newLink: "Pida a la tienda un nuevo enlace de descarga.",
    pending: "Vuelva a este enlace cuando la tienda haya confirmado su pago.",
    retry: "Vuelva a intentarlo en un minuto.",
    later: "Vuelva a abrir el enlace más tarde.",
  },
  order: {
    title: (number) => `Sus descargas del pedido ${number}`,
    intro: "Cada botón inicia la descarga de un archivo.",
    pending: "Este pedido está pendiente de pago. Los botones de descarga aparecerán aquí en cuanto se confirme.",
    canceled: "Este pedido se canceló, por lo que sus archivos ya no se pueden descargar.",
    empty: "Este pedido no tiene archivos para descargar.",
    privacy: "No comparta la dirección de esta página: cualquiera que la tenga puede descargar estos archivos.",
    download: "Descargar",
    size: "Tamaño",
    unknownSize: "tamaño aún desconocido",
    remaining: (left, limit) =>
      `${plural("es", left, "Queda", "Quedan")} ${left} de ${limit} ${plural("es", limit, "descarga", "descargas")}`,
    unlimited: "Descargas ilimitadas",
    until: (date) => `Disponible hasta el ${date}`,
    noExpiry: "Sin fecha de caducidad",
    status: {
      suspended: "En revisión",
      pending: "Pendiente de pago",
      expired: "Esta descarga ha caducado",
      exhausted: "Todas las descargas usadas",
      revoked: "Ya no está disponible",
      removed: "La tienda ha retirado este archivo",
      not_yet_valid: "Aún no disponible",
    },
  },
};
