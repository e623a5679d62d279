// Names the documentation uses without defining them, typed as a reader would assume.
// Samples are modules, so a sample that defines one of these shadows it.

declare const db: {
  find(id: string): Promise<{ id: string } | undefined>;
};
declare const users: { email: string }[];
declare const appPort: number;
/** A payload or event whose shape the surrounding text gives; `never` fits any parameter. */
declare const payload: never;
declare function sendMail(userId: string, title: string): Promise<void>;
declare function sendSms(userId: string, title: string): Promise<void>;
declare function userIdFromSession(request: Request): string | undefined;
declare const sb: typeof import("../lib/switchboard").sb;
declare const sendEmail: typeof import("../lib/switchboard").sendEmail;
declare const notify: typeof import("../lib/switchboard").notify;
declare const dailyDigest: typeof import("../lib/switchboard").dailyDigest;
declare const feed: typeof import("../lib/switchboard").feed;
