package sqlite

import (
	"context"
	"fmt"
	"testing"
)

// TestBulkWriter checks that every row reaches the table once, in order,
// with the writer's constants, for row counts around the statement size,
// whether rows are written as they come or held until flush.
func TestBulkWriter(t *testing.T) {
	ctx := context.Background()
	db, _ := testDB(t, "bulk.db")
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (
		seq INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL, n INTEGER NOT NULL, v BLOB, s TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		head   string
		consts []any // the writer's constants; none: each row has a and b
	}{
		{"no constants", `INSERT INTO t (a, b, n, v, s)`, nil},
		{"two constants", `INSERT INTO t (a, b, n, v, s)`, []any{int64(7), "tenant"}},
		{"constants not in table order", `INSERT INTO t (b, a, n, v, s)`, []any{"tenant", int64(7)}},
	} {
		var st bulk
		if err := st.prepare(ctx, db, c.head, len(c.consts), 5, ""); err != nil {
			t.Fatal(err)
		}
		for _, rows := range []int{0, 1, bulkRows - 1, bulkRows, bulkRows + 1, 2*bulkRows + 3} {
			for _, hold := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d rows/hold=%v", c.name, rows, hold), func(t *testing.T) {
					tx, err := db.BeginTx(ctx, nil)
					if err != nil {
						t.Fatal(err)
					}
					defer tx.Rollback()
					if _, err := tx.ExecContext(ctx, `DELETE FROM t`); err != nil {
						t.Fatal(err)
					}
					w := st.writer(ctx, tx, c.consts...)
					if hold {
						w = st.held(ctx, tx, c.consts...)
					}
					for i := range rows {
						row := []any{int64(i), []byte{byte(i), 0xff}, fmt.Sprintf("row %d", i)}
						if len(c.consts) == 0 {
							row = append([]any{int64(7), "tenant"}, row...)
						}
						if err := w.add(row...); err != nil {
							t.Fatal(err)
						}
					}
					if err := w.flush(); err != nil {
						t.Fatal(err)
					}
					// A writer can be flushed again and reused.
					if err := w.flush(); err != nil {
						t.Fatal(err)
					}
					r, err := tx.QueryContext(ctx, `SELECT a, b, n, v, s FROM t ORDER BY seq`)
					if err != nil {
						t.Fatal(err)
					}
					defer r.Close()
					got := 0
					for r.Next() {
						var a, n int64
						var b, s string
						var v []byte
						if err := r.Scan(&a, &b, &n, &v, &s); err != nil {
							t.Fatal(err)
						}
						if a != 7 || b != "tenant" || n != int64(got) || len(v) != 2 || v[0] != byte(got) ||
							v[1] != 0xff || s != fmt.Sprintf("row %d", got) {
							t.Fatalf("row %d: %d %q %d %x %q", got, a, b, n, v, s)
						}
						got++
					}
					if err := r.Err(); err != nil {
						t.Fatal(err)
					}
					if got != rows {
						t.Fatalf("%d rows stored, want %d", got, rows)
					}
				})
			}
		}
		if err := st.close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBulkWriterChecksWidth: a row or a set of constants of the wrong
// size is an error, not a misaligned insert.
func TestBulkWriterChecksWidth(t *testing.T) {
	ctx := context.Background()
	db, _ := testDB(t, "bulk.db")
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (a INTEGER, b INTEGER, c INTEGER)`); err != nil {
		t.Fatal(err)
	}
	var st bulk
	if err := st.prepare(ctx, db, `INSERT INTO t (a, b, c)`, 1, 3, ""); err != nil {
		t.Fatal(err)
	}
	defer st.close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := st.writer(ctx, tx, 1).add(1, 2, 3); err == nil {
		t.Error("a row with the constant column again was accepted")
	}
	if err := st.writer(ctx, tx).add(1, 2); err == nil {
		t.Error("a writer without its constant was accepted")
	}
	if err := st.writer(ctx, tx, 1).add(2, 3); err != nil {
		t.Error(err)
	}
}
