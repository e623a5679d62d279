import { serve } from "@switchboard/core/next";
import { greet, sb } from "../../../switchboard";

// The Edge Runtime, exactly as docs/adapters/next.md tells users to opt in.
export const runtime = "edge";

export const { POST } = serve(sb, { jobs: [greet] });
