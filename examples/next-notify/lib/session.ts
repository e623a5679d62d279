import type { NextRequest } from "next/server";

/** The demo's fake session: a cookie set by the page, never a query parameter. */
export const SESSION_COOKIE = "sb-demo-user";

/** The signed-in user's id, from the session cookie (the demo signs everyone in as "ada"). */
export function currentUser(request: NextRequest): string {
  const value = request.cookies.get(SESSION_COOKIE)?.value;
  return value && /^[a-z0-9-]{1,40}$/i.test(value) ? value : "ada";
}
