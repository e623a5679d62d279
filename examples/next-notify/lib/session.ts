import type { NextRequest } from "next/server";

/** The demo's fake session: a cookie set by `/api/session`, never a query parameter. */
export const SESSION_COOKIE = "sb-demo-user";

/** Who can "sign in" to the demo; everyone is the first one until they switch. */
export const USERS = ["ada", "grace"] as const;
export type User = (typeof USERS)[number];

/** The user a session cookie names, or the default user for a missing or unknown cookie. */
export function userFromCookie(value: string | undefined): User {
  return USERS.find((user) => user === value) ?? USERS[0];
}

/** The signed-in user of a request, from its session cookie. */
export function currentUser(request: NextRequest): User {
  return userFromCookie(request.cookies.get(SESSION_COOKIE)?.value);
}
