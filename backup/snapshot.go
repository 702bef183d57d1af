package backup

import (
	"context"
	"database/sql"
	"fmt"
)

// snapshot is a set of connections that all read the database as of the
// same instant.
type snapshot struct {
	conns []*sql.Conn
	mode  string
}

// dumpSession is set on every dump connection before its snapshot opens:
// the file's session, no sql_mode quirks in SHOW CREATE output, and a long
// write timeout because a worker may wait on the writer.
var dumpSession = append(append([]string{}, sessionSetup[:2]...),
	"SET SESSION SQL_MODE=''",
	"SET SESSION net_write_timeout=3600",
	"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
)

// openSnapshot opens n connections on db reading one point in time. With
// several, their snapshots are opened under a brief FLUSH TABLES WITH READ
// LOCK; when the user may not take it, one connection is used and the mode
// says why.
func openSnapshot(ctx context.Context, db *sql.DB, n int) (s *snapshot, err error) {
	s = &snapshot{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("open dump connection: %w", err)
		}
		s.conns = append(s.conns, c)
		for _, q := range dumpSession {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("set up dump connection (%s): %w", q, err)
			}
		}
	}
	if n > 1 {
		if _, err := s.conns[0].ExecContext(ctx, "SET SESSION lock_wait_timeout=30"); err != nil {
			return nil, fmt.Errorf("set lock_wait_timeout: %w", err)
		}
		if _, lockErr := s.conns[0].ExecContext(ctx, "FLUSH TABLES WITH READ LOCK"); lockErr != nil {
			for _, c := range s.conns[1:] {
				c.Close()
			}
			s.conns = s.conns[:1]
			s.mode = fmt.Sprintf("consistent snapshot on one connection (FLUSH TABLES WITH READ LOCK not permitted: %v)", lockErr)
		} else {
			s.mode = fmt.Sprintf("consistent snapshot on %d connections opened under FLUSH TABLES WITH READ LOCK", n)
		}
	} else {
		s.mode = "consistent snapshot on one connection"
	}
	for _, c := range s.conns {
		if _, err := c.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
			return nil, fmt.Errorf("start consistent snapshot: %w", err)
		}
	}
	if len(s.conns) > 1 {
		if _, err := s.conns[0].ExecContext(ctx, "UNLOCK TABLES"); err != nil {
			return nil, fmt.Errorf("unlock tables: %w", err)
		}
	}
	return s, nil
}

func (s *snapshot) close() {
	for _, c := range s.conns {
		_, _ = c.ExecContext(context.Background(), "ROLLBACK")
		c.Close()
	}
	s.conns = nil
}
