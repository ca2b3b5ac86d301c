/**
 * Each database the stack creates on PostgreSQL is owned by a role of its own that is not a superuser;
 * a database the admin owned (made before roles existed) is handed over with what it holds.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase, dropDatabase } from '../../stack/postgres/postgres';

const adminUrl = () => process.env.GRAPH_NODE_POSTGRES_URL!;

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

test('a database made by the admin is handed over to its own role, data and all; the role is no superuser', async () => {
  const name = `roles_${randomBytes(4).toString('hex')}`;
  await query(adminUrl(), `CREATE DATABASE ${name}`);
  try {
    const asAdmin = new URL(adminUrl());
    asAdmin.pathname = `/${name}`;
    await query(
      asAdmin.toString(),
      `CREATE SCHEMA kept; CREATE TABLE kept.rows (n int); INSERT INTO kept.rows VALUES (42);
       CREATE VIEW kept.view AS SELECT n FROM kept.rows; CREATE SEQUENCE kept.counter;
       CREATE TYPE kept.mood AS ENUM ('ok'); CREATE FUNCTION kept.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'`,
    );

    const url = await createDatabase(adminUrl(), name, { extensions: [] });
    expect(new URL(url).username).toBe(name);
    // The same URL again: the password stays the one this process handed out.
    expect(await createDatabase(adminUrl(), name, { extensions: [] })).toBe(url);

    const owners = await query<{ owner: string }>(
      url,
      `SELECT DISTINCT pg_get_userbyid(owner) AS owner FROM (
         SELECT nspowner AS owner FROM pg_namespace WHERE nspname = 'kept'
         UNION ALL SELECT relowner FROM pg_class WHERE relnamespace = 'kept'::regnamespace
         UNION ALL SELECT proowner FROM pg_proc WHERE pronamespace = 'kept'::regnamespace
         UNION ALL SELECT typowner FROM pg_type WHERE typnamespace = 'kept'::regnamespace AND typtype = 'e'
         UNION ALL SELECT datdba FROM pg_database WHERE datname = current_database()) owned`,
    );
    expect(owners).toEqual([{ owner: name }]);
    expect(await query(url, 'SELECT n, kept.answer() AS answer FROM kept.view')).toEqual([{ n: 42, answer: 42 }]);
    expect(await query(url, "INSERT INTO kept.rows VALUES (nextval('kept.counter')) RETURNING n")).toEqual([{ n: 1 }]);
    expect(await query(url, 'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user')).toEqual([
      { rolsuper: false, rolcreaterole: false, rolcreatedb: false },
    ]);
  } finally {
    await dropDatabase(adminUrl(), name);
  }
});
