import { readFile } from "node:fs/promises";
import type { ReferenceData } from "@mtc/domain";
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";
import { type Role, User } from "./roles.js";

export interface UserDirectory {
  /** The user when the password matches; undefined otherwise (same answer for unknown user and wrong password). */
  authenticate(username: string, password: string): Promise<User | undefined>;
  list(): readonly User[];
}

export const userDirectory = (users: readonly User[]): UserDirectory => {
  const byName = new Map(users.map((u) => [u.username, u]));
  // Unknown usernames are verified against a decoy hash so that timing does not reveal which names exist.
  const decoyHash = hash("decoy password that matches nothing");
  return {
    list: () => users,
    authenticate: async (username, password) => {
      const user = byName.get(username);
      const ok = await verify(user?.passwordHash ?? (await decoyHash), password);
      return user && ok ? user : undefined;
    },
  };
};

export const loadUsersFile = async (file: string): Promise<User[]> =>
  z.array(User).parse(JSON.parse(await readFile(file, "utf8")));

export const DEMO_PASSWORD = "demo1234";

interface DemoAccount {
  username: string;
  displayName: string;
  role: Role;
  institutionKind?: string;
}

const demoAccounts: DemoAccount[] = [
  {
    username: "clinic",
    displayName: "乡镇卫生院 医生",
    role: "hospital_staff",
    institutionKind: "primary_clinic",
  },
  {
    username: "county",
    displayName: "县妇幼保健院 医生",
    role: "hospital_staff",
    institutionKind: "mch_hospital",
  },
  {
    username: "centre",
    displayName: "救治中心 医生",
    role: "hospital_staff",
    institutionKind: "maternal_rescue_centre",
  },
  {
    username: "medaffairs",
    displayName: "救治中心 医务科",
    role: "medical_affairs",
    institutionKind: "maternal_rescue_centre",
  },
  {
    username: "bloodstation",
    displayName: "血站 值班员",
    role: "blood_station",
    institutionKind: "blood_station",
  },
  { username: "dispatcher", displayName: "120 调度员", role: "dispatcher" },
  { username: "healthadmin", displayName: "卫健委 妇幼科", role: "health_admin" },
  { username: "auditor", displayName: "质控中心 审计员", role: "auditor" },
  { username: "admin", displayName: "系统管理员", role: "admin" },
];

/** Demo mode only: one account per role, bound to the first institution of the right kind in the region. */
export const demoUsers = async (region: ReferenceData): Promise<User[]> => {
  const passwordHash = await hash(DEMO_PASSWORD);
  return demoAccounts.map(({ institutionKind, ...account }) => {
    const institution = institutionKind
      ? region.institutions.find((i) => i.kind === institutionKind)
      : undefined;
    if (institutionKind && !institution)
      throw new Error(`demo region has no institution of kind ${institutionKind}`);
    return { ...account, passwordHash, ...(institution ? { institutionId: institution.id } : {}) };
  });
};
