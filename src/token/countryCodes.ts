import { z } from "zod";
import { isDistinct } from "../utils/isDistinct.ts";

/**
 * ISO 3166-1 alpha-2: the 249 officially assigned codes, plus the two codes Cloudflare puts
 * in `request.cf.country` beyond them: `XK` (Kosovo, user-assigned) and `T1` (the Tor
 * network). `XX` (Cloudflare's "no country data") is deliberately not here: it means
 * "unknown", and a rule can only name a place.
 */
const CODES =
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
  "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO " +
  "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE " +
  "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO " +
  "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW " +
  "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM " +
  "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK T1";

export const COUNTRY_CODES: ReadonlySet<string> = new Set(CODES.split(" "));

/**
 * One country as a rule names it: exactly an assigned code in upper case. Strict on
 * purpose: "de", "DEU" or "Germany" are refused with a message rather than read as
 * something the store may not have meant (a block list that silently matched nothing).
 */
export const countryCode = z
  .string()
  .refine((value) => COUNTRY_CODES.has(value), "an ISO 3166-1 alpha-2 country code in upper case, e.g. DE (or XK, T1)");

/** A list of countries for an allow or block rule: 1–300 codes, none twice. */
export const countryList = z.array(countryCode).min(1).max(300).refine(isDistinct, "a country is listed twice");
