import { serve } from "@switchboard/core/next";
import { notify, sb } from "@/lib/switchboard";

// The one route QStash (or `switchboard dev`) calls for every job and channel.
export const { POST } = serve(sb, { channels: [notify] });
