import { type NextRequest, NextResponse } from "next/server";
import { SESSION_COOKIE, USERS, type User } from "@/lib/session";

/** "Signs in" as another demo user: `{ user: "grace" }` sets the session cookie. */
export async function POST(request: NextRequest) {
  const body: unknown = await request.json().catch(() => undefined);
  const user = body !== null && typeof body === "object" ? (body as { user?: unknown }).user : undefined;
  if (!USERS.includes(user as User)) {
    return NextResponse.json({ error: `user must be one of ${USERS.join(", ")}` }, { status: 400 });
  }
  const response = NextResponse.json({ user });
  response.cookies.set(SESSION_COOKIE, user as User, { httpOnly: true, sameSite: "lax", path: "/" });
  return response;
}
