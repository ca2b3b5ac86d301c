/**
 * Makes the indexes the API declares usable on FerretDB's PostgreSQL handler.
 *
 * FerretDB 1.24 stores each collection as a table with one `jsonb` column, `_jsonb`; an index the API
 * declares becomes a btree index on `((_jsonb -> 'field'))`. The filters it hands to PostgreSQL are
 * top-level equalities written as containment, `_jsonb -> 'field' @> '"value"'`, which a btree index
 * cannot serve: every lookup would read the whole table. A GIN index on the same expression serves `@>`
 * (a bitmap index scan). So the documents' database gets an event trigger: whenever a btree index whose
 * first key is a `_jsonb -> …` expression is created (FerretDB's createIndexes, the `_id` index of a new
 * collection), a GIN "twin" on that expression is created beside it, in the same transaction. Only the
 * first key: an equality lookup uses an index's leading field, as on MongoDB, and a GIN index per later
 * key (often a time) would cost every insert for nothing. The twins are PostgreSQL's alone: FerretDB's
 * index list (its metadata) does not show them, and they go with the table.
 *
 * A non-unique btree is only a cost here: FerretDB never sends a condition it could serve and sorts in
 * Go, and it has no constraint to enforce. So a non-unique one is replaced by its twin, which takes its
 * name (FerretDB's metadata names it; listIndexes and dropIndexes work as before), and stores kept from
 * before are converted at start. Measured on the audit entries (two compound non-unique indexes, written
 * 50 a page): PostgreSQL's CPU per 50-entry insert went from 3.9 to 2.8 ms. On MongoDB the API's indexes
 * are what it declares.
 *
 * The twins are built without GIN's pending list (`fastupdate = off`): with it, new entries wait in an
 * unsorted list that every lookup reads through until a vacuum merges it, so a lookup's cost followed the
 * documents written since (measured: a 50-key lookup on 50,000 rows just written took 313 ms with the
 * list, 2.4 ms without; writing the rows took no longer).
 */
import { asAdminIn } from '../postgres/postgres';

/**
 * Makes one btree index whose first key is a `_jsonb` expression servable: a unique one gets the GIN
 * twin of its first key (the btree stays: it enforces uniqueness); a non-unique one is replaced by that
 * GIN index under its own name, which FerretDB's metadata knows it by (so dropIndexes still finds it).
 */
const TWIN_FUNCTION = `
CREATE OR REPLACE FUNCTION public.index_twins(btree oid) RETURNS void LANGUAGE plpgsql AS $twins$
DECLARE
  item record;
  twin regclass;
BEGIN
  FOR item IN
    SELECT i.indrelid::regclass AS tab, n.nspname AS schema, c.relname AS name, i.indisunique AS is_unique,
           pg_get_indexdef(i.indexrelid, 1, true) AS expression
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam
      WHERE i.indexrelid = btree AND am.amname = 'btree'
  LOOP
    CONTINUE WHEN item.expression !~ '^\\(?_jsonb (->|#>) ';
    SELECT j.indexrelid::regclass INTO twin FROM pg_index j JOIN pg_class d ON d.oid = j.indexrelid JOIN pg_am dam ON dam.oid = d.relam
      WHERE j.indrelid = item.tab AND dam.amname = 'gin' AND j.indnkeyatts = 1 AND pg_get_indexdef(j.indexrelid, 1, true) = item.expression
      LIMIT 1;
    IF twin IS NULL THEN
      EXECUTE format('CREATE INDEX %I ON %s USING gin ((%s)) WITH (fastupdate = off)', left(item.name, 55) || '_gin', item.tab, item.expression);
      twin := format('%I.%I', item.schema, left(item.name, 55) || '_gin')::regclass;
    END IF;
    CONTINUE WHEN item.is_unique;
    EXECUTE format('DROP INDEX %I.%I', item.schema, item.name);
    EXECUTE format('ALTER INDEX %s RENAME TO %I', twin, item.name);
  END LOOP;
END
$twins$;

CREATE OR REPLACE FUNCTION public.index_twins_on_create() RETURNS event_trigger LANGUAGE plpgsql AS $trigger$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM public.index_twins(command.objid);
  END LOOP;
-- A twin that cannot be made must not fail FerretDB's own statement (it would leave its metadata half-made).
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'no GIN twin for a new index: %', SQLERRM;
END
$trigger$;
`;

/**
 * Installs the trigger in database `database` (as the admin: event triggers need a superuser), gives
 * the btree indexes that exist already their twins and replaces the non-unique ones (a store made
 * before the trigger was, or before non-unique ones were replaced), and has the
 * role of the same name plan every statement for its parameters, through an index wherever one applies.
 */
export async function createIndexTwins(adminUrl: string, database: string): Promise<void> {
  await asAdminIn(adminUrl, database, async (client) => {
    await client.query(TWIN_FUNCTION);
    // FerretDB's statements name the field as a parameter (`_jsonb->$1 @> $2`): only a plan made for
    // the values at hand (a custom plan) sees the expression the index is on, so its role never gets a
    // generic one. And PostgreSQL keeps no statistics of `_jsonb->'field'`, so it guesses how many rows
    // a containment matches: for a `$in` of a few hundred keys on a table of a few thousand rows it
    // guessed most of them and read the whole table, testing every row against every key (measured: 240 ms
    // of PostgreSQL's CPU for 800 keys among 5,000 records, 50 ms through the twin). Every lookup the API
    // sends is shaped for an index, so its role reads a whole table only where no index applies.
    await client.query(`ALTER ROLE ${database} SET plan_cache_mode = force_custom_plan`);
    await client.query(`ALTER ROLE ${database} SET enable_seqscan = off`);
    const trigger = await client.query("SELECT 1 FROM pg_event_trigger WHERE evtname = 'index_twins'");
    if (trigger.rowCount === 0) {
      await client.query("CREATE EVENT TRIGGER index_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION public.index_twins_on_create()");
    }
    await client.query(
      `SELECT public.index_twins(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'public')`,
    );
    // Twins made before they were built without a pending list: turned off, and what waits merged.
    const pending = await client.query<{ twin: string }>(
      `SELECT c.oid::regclass::text AS twin FROM pg_class c JOIN pg_am am ON am.oid = c.relam
        WHERE am.amname = 'gin' AND c.relname LIKE '%\\_gin' AND NOT ('fastupdate=off' = ANY(coalesce(c.reloptions, '{}')))`,
    );
    for (const { twin } of pending.rows) {
      await client.query(`ALTER INDEX ${twin} SET (fastupdate = off)`);
      await client.query('SELECT gin_clean_pending_list($1::regclass)', [twin]);
    }
  });
}
