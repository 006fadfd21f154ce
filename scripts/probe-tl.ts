import Database from "better-sqlite3";
import { login } from "./bench/service.js";

const [url, file, kind = "timeline", n = "2000"] = process.argv.slice(2) as [
  string,
  string,
  string?,
  string?,
];
const db = new Database(file, { readonly: true });
const ids = db.prepare("SELECT case_id FROM cases ORDER BY random() LIMIT 500").pluck().all() as string[];
const insts = [
  "jc_mch_rescue_centre",
  "jc_first_hospital_rescue_centre",
  "bs_tcm_hospital",
  "lj_shawan_thc",
  "qc_liuhe_thc",
];
db.close();
const auditor = await login(url, "auditor");
const urlOf = (i: number) =>
  kind === "timeline"
    ? `${url}/api/cases/${ids[i % ids.length]}/timeline`
    : kind === "inst"
      ? `${url}/api/cases?institutionId=${insts[i % insts.length]}`
      : `${url}/health`;
const t: number[] = [];
for (let i = 0; i < Number(n); i++) {
  const t0 = performance.now();
  const r = await fetch(urlOf(i), { headers: { authorization: `Bearer ${auditor.token}` } });
  await r.arrayBuffer();
  const ms = performance.now() - t0;
  t.push(ms);
  if (process.env.SLOW && ms > 8) console.log("slow", i, performance.now().toFixed(0), ms.toFixed(1));
}
t.sort((a, b) => a - b);
const p = (q: number) => t[Math.floor(q * t.length)]?.toFixed(2);
console.log(kind, "p50", p(0.5), "p90", p(0.9), "p99", p(0.99), "max", t.at(-1)?.toFixed(2));
