#!/usr/bin/env node
// Entry point of the `esb-agent` command: runs the compiled CLI.
import '../dist/cli.js';
