import { liveBackup } from '../../src/core/backup-spec.js';
import { adminLogin } from './admin.js';

/**
 * What a Rocket.Chat backup holds: MongoDB dumped with mongodump inside its container (uploads included: the
 * default storage is GridFS, in the database) and the .env with the first admin; the compose files and the
 * state record come with every backup. Nothing stops: mongodump reads the running replica set.
 */
export const backup = liveBackup({
  dump: {
    service: 'mongodb',
    command: ['mongodump', '--archive', '--quiet'],
    file: 'mongodb.archive',
    restore: ['mongorestore', '--archive', '--drop', '--quiet'],
    stop: ['rocketchat'],
    scratch: {
      env: {},
      ready: ['mongosh', '--quiet', '--eval', 'db.adminCommand({ ping: 1 }).ok'],
      check: ['mongosh', '--quiet', '--eval', 'db.adminCommand({ listDatabases: 1 }).databases.length'],
      counted: 'database',
    },
  },
  whyLive:
    'mongodump reads the running database (each collection as it is when it is read); uploads are in MongoDB (GridFS), so in the dump',
  admin: { userKey: 'ADMIN_USERNAME', passwordKey: 'ADMIN_PASS', login: adminLogin },
});
