/** The demo's fake session: a cookie set by `/api/session`, never a query parameter. */
export const SESSION_COOKIE = "sb-demo-user";

/** Who can "sign in" to the demo; everyone is the first one until they switch. */
export const USERS = ["ada", "grace"] as const;
export type User = (typeof USERS)[number];

/** The user a session cookie names, or the default user for a missing or unknown cookie. */
export function userFromCookie(value: string | undefined): User {
  return USERS.find((user) => user === value) ?? USERS[0];
}

/** The signed-in user of a request (any fetch `Request`, a `NextRequest` too), from its session cookie. */
export function currentUser(request: Request): User {
  const cookies = request.headers.get("cookie")?.split(";") ?? [];
  const value = cookies
    .map((cookie) => cookie.trim().split("="))
    .find(([name]) => name === SESSION_COOKIE)?.[1];
  return userFromCookie(value);
}
