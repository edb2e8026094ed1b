/** /etc/passwd and /etc/group as the system-user step reads them. Pure. */

/** A line of /etc/passwd or /etc/group: name and numeric id (uid or gid), and for passwd the primary gid. */
export interface Account {
  name: string;
  id: number;
  gid?: number;
}

export function parseAccounts(text: string | undefined): Account[] {
  return (text ?? '').split('\n').flatMap((line) => {
    const [name, , id, gid] = line.split(':');
    if (!name || id === undefined || !/^\d+$/.test(id)) return [];
    return [
      { name, id: Number(id), ...(gid !== undefined && /^\d+$/.test(gid) ? { gid: Number(gid) } : {}) },
    ];
  });
}
