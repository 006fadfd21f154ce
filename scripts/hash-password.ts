/**
 * Prints an argon2id hash for a users file entry (see docs/configuration.md).
 * Usage: pnpm tsx scripts/hash-password.ts   (reads the password from standard input, never from argv)
 */
import { hash } from "@node-rs/argon2";

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const password = Buffer.concat(chunks)
  .toString("utf8")
  .replace(/\r?\n$/, "");
if (password.length < 10) {
  process.stderr.write("a password of at least 10 characters, please\n");
  process.exit(1);
}
process.stdout.write(`${await hash(password)}\n`);
