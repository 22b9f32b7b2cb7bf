package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// testDB opens a database file in a test's directory on one connection,
// as the store's writer does, closed when the test ends.
func testDB(t *testing.T, name string) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// oldSchemaDB is a database file with only the first n migrations applied:
// what an older build left behind.
func oldSchemaDB(t *testing.T, n int) (*sql.DB, string) {
	t.Helper()
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	db, path := testDB(t, "old.db")
	if err := applyMigrations(t.Context(), db, ms[:n], 1); err != nil {
		t.Fatal(err)
	}
	return db, path
}
