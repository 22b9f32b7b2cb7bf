package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
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
//
// The first consts columns hold the same value in every row of a batch
// (tenant, sensor, minute or day): they are the numbered parameters ?1 …
// ?consts, which every row refers to, so each statement binds them once
// instead of once per row.
type bulk struct {
	consts, cols int
	many, one    *sql.Stmt
}

// prepare builds the statement "head VALUES (?1, …, ?, …), … tail" for
// both sizes; head names the table and its cols columns, the consts
// constant ones first, and tail is an optional ON CONFLICT clause.
func (b *bulk) prepare(ctx context.Context, db *sql.DB, head string, consts, cols int, tail string) error {
	if consts < 0 || consts > cols {
		return fmt.Errorf("prepare: %d constant columns of %d", consts, cols)
	}
	params := make([]string, cols)
	for i := range params {
		if i < consts {
			params[i] = "?" + strconv.Itoa(i+1)
		} else {
			// A bare ? is numbered one past the highest number used so
			// far, so each row's own values follow the previous row's.
			params[i] = "?"
		}
	}
	row := "(" + strings.Join(params, ", ") + ")"
	rows := strings.TrimSuffix(strings.Repeat(row+", ", bulkRows), ", ")
	var err error
	b.consts, b.cols = consts, cols
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
	width     int // values a row adds: the columns after the constants
	many, one *sql.Stmt
	// args is the next statement's arguments: the constants, then the
	// queued rows' values.
	args   []any
	consts int
	hold   bool
}

// writer returns a writer for tx whose rows all have the constant values
// consts, one for each of the statement's constant columns.
func (b *bulk) writer(ctx context.Context, tx *sql.Tx, consts ...any) *bulkWriter {
	w := &bulkWriter{ctx: ctx, width: b.cols - b.consts, many: tx.StmtContext(ctx, b.many), one: tx.StmtContext(ctx, b.one),
		args: make([]any, 0, b.consts+(b.cols-b.consts)*bulkRows), consts: b.consts}
	w.args = append(w.args, consts...)
	if len(consts) != b.consts {
		// Reported by the first add, which has an error to return.
		w.consts = -1
	}
	return w
}

// held returns a writer that keeps every row until flush.
func (b *bulk) held(ctx context.Context, tx *sql.Tx, consts ...any) *bulkWriter {
	w := b.writer(ctx, tx, consts...)
	w.hold = true
	return w
}

// add queues one row; its values must be the statement's columns after
// the constant ones, in order.
func (w *bulkWriter) add(values ...any) error {
	if w.consts < 0 {
		return errors.New("bulk writer made with the wrong number of constants")
	}
	if len(values) != w.width {
		return fmt.Errorf("bulk row of %d values for %d columns", len(values), w.width)
	}
	w.args = append(w.args, values...)
	if w.hold || len(w.args)-w.consts < w.width*bulkRows {
		return nil
	}
	return w.flush()
}

// flush writes the queued rows: whole statements' worth together, the
// rest one by one. A held writer keeps all its rows until flush, so its
// args grow past one statement's; each statement's arguments are then
// the constants followed by its rows.
func (w *bulkWriter) flush() error {
	if w.consts < 0 {
		return errors.New("bulk writer made with the wrong number of constants")
	}
	full := w.width * bulkRows
	rows := w.args[w.consts:]
	var call []any
	exec := func(stmt *sql.Stmt, vals []any) error {
		if w.consts == 0 {
			_, err := stmt.ExecContext(w.ctx, vals...)
			return err
		}
		call = append(append(call[:0], w.args[:w.consts]...), vals...)
		_, err := stmt.ExecContext(w.ctx, call...)
		return err
	}
	i := 0
	for ; i+full <= len(rows); i += full {
		if w.consts > 0 && i == 0 && len(rows) == full {
			// The common case: exactly one statement's worth, already
			// preceded by the constants.
			if _, err := w.many.ExecContext(w.ctx, w.args...); err != nil {
				return err
			}
			continue
		}
		if err := exec(w.many, rows[i:i+full]); err != nil {
			return err
		}
	}
	for ; i < len(rows); i += w.width {
		if err := exec(w.one, rows[i:i+w.width]); err != nil {
			return err
		}
	}
	clear(rows) // drop references to the rows' blobs and strings
	w.args = w.args[:w.consts]
	return nil
}
