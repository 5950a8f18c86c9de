/** True while any process of the group `pgid` exists (subprocess servers lead their own group). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
