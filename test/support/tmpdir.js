/*
 * One temporary directory per Jest run: every test (and every library a test calls, such as cdk8s's
 * Testing.app(), which makes a directory per app) writes its scratch files below it, and the run removes it
 * at the end, whether the tests passed or not. Workers inherit TMPDIR from the parent, set here before they
 * start.
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const KEY = 'KAITO_TEST_TMPDIR';

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kaito-test-run-'));
  process.env[KEY] = dir;
  process.env.TMPDIR = dir;
}

async function teardown() {
  const dir = process.env[KEY];
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

module.exports = { setup, teardown };
