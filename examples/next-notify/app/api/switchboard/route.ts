import { serve } from "@switchboard/core/next";
import { escalateUnread, notify, sb } from "@/lib/switchboard";

// The one route QStash (or `switchboard dev`) calls for every job, channel and workflow.
export const { POST } = serve(sb, { channels: [notify], workflows: [escalateUnread] });
