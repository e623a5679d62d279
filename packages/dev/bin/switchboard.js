#!/usr/bin/env node
// The `switchboard` command. A file of the source tree, not of dist/, so that pnpm can link the bin
// when a fresh clone is installed, before the first build has made dist/.
import "../dist/cli.js";
