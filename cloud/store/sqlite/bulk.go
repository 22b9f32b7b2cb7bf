package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// bulkRows is how many rows one multi-row statement writes. Every
// statement costs a round through database/sql, the driver and the
// virtual machine's setup whatever its size, so the ingest path writes
// its rows this many at a time (at most 22 columns × 64 = 1,408
// parameters, far below SQLite's limit of 32,766).
const bulkRows = 64

// bulk is one multi-row INSERT (or upsert), prepared on the write
// connection for bulkRows rows and for one row, which writes the rest.
type bulk struct {
	cols      int
	many, one *sql.Stmt
}

// prepare builds the statement "head VALUES (?, …), … tail" for both
// sizes; head names the table and columns, tail is an optional ON
// CONFLICT clause.
func (b *bulk) prepare(ctx context.Context, db *sql.DB, head string, cols int, tail string) error {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	rows := strings.TrimSuffix(strings.Repeat(row+", ", bulkRows), ", ")
	var err error
	b.cols = cols
	if b.many, err = db.PrepareContext(ctx, head+" VALUES "+rows+" "+tail); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if b.one, err = db.PrepareContext(ctx, head+" VALUES "+row+" "+tail); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	return nil
}

func (b *bulk) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{b.many, b.one} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// bulkWriter collects rows for a bulk statement within one transaction
// and writes them bulkRows at a time; flush writes the rest. Rows are
// written in the order they were added, so upserts of the same key apply
// in order as they would row by row. A held writer writes nothing before
// flush, for rows whose foreign keys another writer has yet to write.
type bulkWriter struct {
	ctx       context.Context
	cols      int
	many, one *sql.Stmt
	args      []any
	hold      bool
}

func (b *bulk) writer(ctx context.Context, tx *sql.Tx) *bulkWriter {
	return &bulkWriter{ctx: ctx, cols: b.cols, many: tx.StmtContext(ctx, b.many), one: tx.StmtContext(ctx, b.one),
		args: make([]any, 0, b.cols*bulkRows)}
}

// held returns a writer that keeps every row until flush.
func (b *bulk) held(ctx context.Context, tx *sql.Tx) *bulkWriter {
	w := b.writer(ctx, tx)
	w.hold = true
	return w
}

// add queues one row; its values must be the statement's columns in order.
func (w *bulkWriter) add(values ...any) error {
	if len(values) != w.cols {
		return fmt.Errorf("bulk row of %d values for %d columns", len(values), w.cols)
	}
	w.args = append(w.args, values...)
	if w.hold || len(w.args) < w.cols*bulkRows {
		return nil
	}
	return w.flush()
}

// flush writes the queued rows: whole statements' worth together, the
// rest one by one.
func (w *bulkWriter) flush() error {
	full := w.cols * bulkRows
	i := 0
	for ; i+full <= len(w.args); i += full {
		if _, err := w.many.ExecContext(w.ctx, w.args[i:i+full]...); err != nil {
			return err
		}
	}
	for ; i < len(w.args); i += w.cols {
		if _, err := w.one.ExecContext(w.ctx, w.args[i:i+w.cols]...); err != nil {
			return err
		}
	}
	clear(w.args) // drop references to the rows' blobs and strings
	w.args = w.args[:0]
	return nil
}
