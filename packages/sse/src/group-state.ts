/**
 * How many distinct actor ids a group remembers to count its actors exactly. Past this, every
 * further actor not among the remembered ones counts as new, so `actorCount` may overcount a group
 * with more than this many different actors (it never undercounts).
 */
export const MAX_TRACKED_ACTORS = 1000;
