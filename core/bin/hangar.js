#!/usr/bin/env node
// The `hangar` command. A committed launcher rather than a bin pointing into dist/, because npm
// links bins before the `prepare` build has created dist/ on a fresh install.
import '../dist/cli/main.js';
