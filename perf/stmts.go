package perf

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
)

// stmts runs the mix's statements with a user's arguments.
type stmts interface {
	// query runs a read into dest and returns the rows it read.
	query(k Kind, args, dest []driver.Value) (int64, error)
	exec(k Kind, args []driver.Value) (driver.Result, error)
}

// rawStmts are the driver's statements on one user's connection, used
// only inside that connection's Raw. They take the driver's context-free
// calls: the context ones copy the arguments into a new slice per call.
type rawStmts [numKinds]driver.Stmt

func (s *rawStmts) prepare(ctx context.Context, dc any) error {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return fmt.Errorf("prepare: driver connection %T has no PrepareContext", dc)
	}
	*s = rawStmts{}
	for _, k := range Kinds {
		st, err := pc.PrepareContext(ctx, statements[k])
		if err != nil {
			s.close()
			return fmt.Errorf("prepare %s: %w", k, err)
		}
		s[k] = st
	}
	return nil
}

func (s *rawStmts) close() { closeEach(s[:]) }

func (s *rawStmts) query(k Kind, args, dest []driver.Value) (int64, error) {
	//lint:ignore SA1019 no context on purpose: see user.do
	rows, err := s[k].Query(args)
	if err != nil {
		return 0, err
	}
	n := int64(0)
	for err = rows.Next(dest); err == nil; err = rows.Next(dest) {
		n++
	}
	if cerr := rows.Close(); errors.Is(err, io.EOF) {
		err = cerr
	}
	return n, err
}

func (s *rawStmts) exec(k Kind, args []driver.Value) (driver.Result, error) {
	//lint:ignore SA1019 no context on purpose: see user.do
	return s[k].Exec(args)
}

// poolStmts are the tenant's statements on its shared pool, for users
// without a connection of their own.
type poolStmts [numKinds]*sql.Stmt

func (s *poolStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, k := range Kinds {
		st, err := db.PrepareContext(ctx, statements[k])
		if err != nil {
			return fmt.Errorf("prepare %s: %w", k, err)
		}
		s[k] = st
	}
	return nil
}

func (s *poolStmts) close() { closeEach(s[:]) }

// closeEach closes the statements that were prepared.
func closeEach[S interface {
	comparable
	Close() error
}](list []S) {
	var none S
	for _, st := range list {
		if st != none {
			st.Close()
		}
	}
}

// The pool's calls run on a context that is never cancelled, as do()
// explains.
func (s *poolStmts) query(k Kind, args, _ []driver.Value) (int64, error) {
	rows, err := s[k].QueryContext(context.Background(), anyArgs(args)...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var payload sql.RawBytes // read without copying, as a point select does
	n := int64(0)
	for rows.Next() {
		if err := rows.Scan(&payload); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (s *poolStmts) exec(k Kind, args []driver.Value) (driver.Result, error) {
	return s[k].ExecContext(context.Background(), anyArgs(args)...)
}

func anyArgs(args []driver.Value) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}

// failed stands for statements whose connection could not be opened.
type failed struct{ err error }

func (f failed) query(Kind, []driver.Value, []driver.Value) (int64, error) { return 0, f.err }
func (f failed) exec(Kind, []driver.Value) (driver.Result, error)          { return nil, f.err }
