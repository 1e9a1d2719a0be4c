import GRDB

/// Versioned schema migrations. A store that has applied a migration this build
/// does not know was written by a newer Settle and is refused, never modified.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE blocks (
                        height INTEGER PRIMARY KEY NOT NULL,
                        hash BLOB NOT NULL UNIQUE,
                        header BLOB NOT NULL,
                        commit_certificate BLOB NOT NULL,
                        timestamp INTEGER NOT NULL
                    );
                    CREATE TABLE transactions (
                        log_index INTEGER PRIMARY KEY NOT NULL,
                        id BLOB NOT NULL UNIQUE,
                        height INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        signer BLOB NOT NULL,
                        external_reference TEXT,
                        bytes BLOB NOT NULL,
                        result BLOB NOT NULL,
                        leaf_hash BLOB NOT NULL
                    );
                    CREATE UNIQUE INDEX transactions_by_block ON transactions(height, position);
                    CREATE INDEX transactions_by_reference ON transactions(signer, external_reference) WHERE external_reference IS NOT NULL;
                    CREATE TABLE account_transactions (
                        account BLOB NOT NULL,
                        log_index INTEGER NOT NULL,
                        PRIMARY KEY (account, log_index)
                    ) WITHOUT ROWID;
                    CREATE TABLE state (key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
                    """)
        }
        // v2: what made a block's append write a page per random key. State rows
        // are kept in insertion order (the store finds a row by the id it
        // remembers, never by its key: the state is read whole), so a block's
        // new payments, references and remembered ids are appended instead of
        // scattered over a B-tree keyed by hashes; the reference index goes
        // (a reference is found through the ledger state, which holds it).
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE state_rows (id INTEGER PRIMARY KEY, key BLOB NOT NULL, value BLOB NOT NULL);
                    INSERT INTO state_rows (key, value) SELECT key, value FROM state ORDER BY key;
                    DROP TABLE state;
                    DROP INDEX transactions_by_reference;
                    """)
        }
        // v3: what made a block's append write a page per account it named. The
        // by-account index is clustered by account, so each entry landed on its
        // account's last page: at saturation a third of the bytes a validator
        // wrote. New entries are appended here in log order and merged into
        // `account_transactions` in sorted batches (BlockStore.accountIndexBatch),
        // each account's page written once per batch instead of once per block;
        // history reads both.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "CREATE TABLE account_transactions_recent (log_index INTEGER NOT NULL, account BLOB NOT NULL)")
        }
        // v4: the validator sets decided by governance (docs/governance.md §5),
        // by the height each is in force from (the genesis set before the
        // first): a copy of the state's kind-15 rows that receipts, the
        // validators route and offline tools read without loading the state.
        migrator.registerMigration("v4") { db in
            try db.execute(sql: "CREATE TABLE validator_sets (height INTEGER PRIMARY KEY NOT NULL, validators BLOB NOT NULL)")
        }
        return migrator
    }
}
