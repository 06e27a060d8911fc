/** Moved to policy/linkFigures.ts (the one formula for a link's figures); kept so old imports resolve. */
export { linkFigures, type LinkFigures, type LinkStatus } from "../policy/linkFigures.ts";
