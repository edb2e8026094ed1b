// The stand-in's schema and migrations. A Mastodon release ships every migration up to it; the ones from
// db/post_migrate are skipped while SKIP_POST_DEPLOYMENT_MIGRATIONS=true, as in the real application. Loading the
// schema (db:setup) records all of them as run; seeding creates the roles tootctl's --role needs and the
// instance actor. Names and versions are illustrative, not Mastodon's own list.
const MIGRATIONS = [
  // [version, name, first release that has it, post-deployment?]
  ['20160220174730', 'CreateAccounts', '1.0.0', false],
  ['20160220211917', 'CreateStatuses', '1.0.0', false],
  ['20160305115639', 'CreateUsers', '1.0.0', false],
  ['20220704024901', 'CreateUserRoles', '4.0.0', false],
  ['20230215074425', 'MoveUserSettings', '4.1.0', true],
  ['20240307180905', 'MigrateDeviceKeys', '4.3.0', true],
  ['20240909014637', 'MigrateTimelinePreviewSetting', '4.3.0', true],
  ['20250425134308', 'CreateQuotes', '4.4.0', false],
  ['20250606000000', 'BackfillQuotePolicies', '4.4.0', true],
  ['20250904000000', 'CreateCollections', '4.5.0', false],
  ['20251002000000', 'DropUnusedAccountColumns', '4.5.0', true],
];

const TABLES = ['accounts', 'statuses', 'users', 'user_roles', 'settings'];

const num = (v) => v.split(/[.-]/).slice(0, 3).map(Number);
function atLeast(version, since) {
  const [a, b] = [num(version), num(since)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export function migrationsFor(version) {
  return MIGRATIONS.filter(([, , since]) => atLeast(version, since)).map(([v, name, , post]) => ({
    version: v,
    name,
    post,
  }));
}

export async function loadSchema(db, version) {
  await db.call('dropAllTables');
  for (const t of [...TABLES, 'schema_migrations', 'ar_internal_metadata'])
    await db.call('createTable', { table: t, serial: true });
  for (const m of migrationsFor(version))
    await db.call('insert', {
      table: 'schema_migrations',
      row: { id: Number(m.version), version: m.version },
    });
  await db.call('insert', {
    table: 'ar_internal_metadata',
    row: { key: 'environment', value: 'production' },
  });
}

export async function seed(db, localDomain) {
  const roles = [
    { id: -99, name: '', position: -1, permissions: 65536 },
    { name: 'Moderator', position: 10, permissions: 1308 },
    { name: 'Admin', position: 100, permissions: 983036 },
    { name: 'Owner', position: 1000, permissions: 1 },
  ];
  for (const role of roles)
    if ((await db.call('select', { table: 'user_roles', where: { name: role.name } })).rows.length === 0)
      await db.call('insert', { table: 'user_roles', row: role });
  if ((await db.call('select', { table: 'accounts', where: { id: -99 } })).rows.length === 0) {
    await db.call('insert', {
      table: 'accounts',
      row: { id: -99, username: localDomain, domain: null, actor_type: 'Application', locked: true },
    });
  }
}

/** Creates the tables a first `db:migrate` on an empty database would (no seeds: those come from db:setup). */
export async function createTables(db) {
  for (const t of [...TABLES, 'schema_migrations', 'ar_internal_metadata'])
    await db.call('createTable', { table: t, serial: true });
  if (
    (await db.call('select', { table: 'ar_internal_metadata', where: { key: 'environment' } })).rows
      .length === 0
  ) {
    await db.call('insert', {
      table: 'ar_internal_metadata',
      row: { key: 'environment', value: 'production' },
    });
  }
}
