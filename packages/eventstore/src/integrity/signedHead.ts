import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import canonicalize from "canonicalize";

/** The stream that holds the signed heads; they are events, so they are chained like every other. */
export const HEADS_STREAM = "integrity-heads";
export const HEAD_SIGNED = "IntegrityHeadSigned";

/** What the service vouches for: the log's global chain stood at `globalHash` at `position`. */
export interface HeadClaim {
  position: number;
  globalHash: string;
  signedAt: string;
}

export interface SignedHead extends HeadClaim {
  /** Ed25519 over the RFC 8785 bytes of the claim, base64. */
  signature: string;
  /** The signer's public key, SPKI PEM. */
  publicKey: string;
}

function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("nothing to sign");
  return Buffer.from(text, "utf8");
}

/** Ed25519 signature (base64) over the canonical bytes of any JSON value. */
export function signJson(value: unknown, privateKey: KeyObject): string {
  return sign(null, canonicalBytes(value), privateKey).toString("base64");
}

/** False for a bad signature, a malformed key or a key that is not Ed25519: never throws on hostile input. */
export function verifyJson(value: unknown, signature: string, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== "ed25519") return false;
    return verify(null, canonicalBytes(value), key, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

export function publicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
}

export function signHead(claim: HeadClaim, privateKey: KeyObject): SignedHead {
  const { position, globalHash, signedAt } = claim;
  return {
    position,
    globalHash,
    signedAt,
    signature: signJson({ position, globalHash, signedAt }, privateKey),
    publicKey: publicKeyPem(privateKey),
  };
}

export function verifyHead(head: SignedHead): boolean {
  const { position, globalHash, signedAt } = head;
  return verifyJson({ position, globalHash, signedAt }, head.signature, head.publicKey);
}

/** A signed head read from untrusted JSON (a head event, a sidecar file, an export), or undefined. */
export function asSignedHead(value: unknown): SignedHead | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok =
    typeof v.position === "number" &&
    typeof v.globalHash === "string" &&
    typeof v.signedAt === "string" &&
    typeof v.signature === "string" &&
    typeof v.publicKey === "string";
  return ok ? (v as unknown as SignedHead) : undefined;
}
