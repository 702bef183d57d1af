// Package sqlsplit reads a SQL script one statement at a time, as the
// mariadb client does, so that each statement can be sent on its own (never
// with multiStatements): backups' restores and fleet runs of SQL files use
// it.
package sqlsplit

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// Splitter reads a SQL script one statement at a time, as the mariadb
// client does: it honours quotes, comments (keeping executable /*! */ ones)
// and the client's DELIMITER command. Comment lines starting with
// MarkerPrefix at a statement boundary are returned as markers.
type Splitter struct {
	r     *bufio.Reader
	delim []byte
	buf   []byte
	// MarkerPrefix, when set, makes a "--" comment line that starts with
	// it a Piece of its own (its Marker is the rest of the line).
	MarkerPrefix string
	// Comment, when set, sees every other comment at a statement boundary
	// (a "--" or "#" line, or a whole /* */ comment) and may refuse it.
	Comment func(text string) error
}

// New reads statements from r.
func New(r io.Reader) *Splitter {
	return &Splitter{r: bufio.NewReaderSize(r, 1<<20), delim: []byte(";")}
}

// Consumed is how much of a stream the splitter has taken when read is
// how much its reader has read.
func (s *Splitter) Consumed(read int64) int64 { return read - int64(s.r.Buffered()) }

// Piece is one statement (without its delimiter), or one marker line.
type Piece struct {
	SQL    string
	Marker string
}

// Next returns the next piece, or io.EOF after the last one.
func (s *Splitter) Next() (Piece, error) {
	for {
		b, err := s.r.Peek(1)
		if err != nil {
			return Piece{}, err
		}
		switch c := b[0]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			_, _ = s.r.Discard(1)
		case c == '#':
			line, err := s.line()
			if err != nil {
				return Piece{}, err
			}
			if err := s.check(line); err != nil {
				return Piece{}, err
			}
		case s.peekIs("-- ", "--\t", "--\n", "--\r"):
			line, err := s.line()
			if err != nil && !errors.Is(err, io.EOF) {
				return Piece{}, err
			}
			if m, ok := strings.CutPrefix(line, s.MarkerPrefix); ok && s.MarkerPrefix != "" {
				return Piece{Marker: strings.TrimRight(m, "\r")}, nil
			}
			if cerr := s.check(line); cerr != nil {
				return Piece{}, cerr
			}
			if err != nil {
				return Piece{}, err
			}
		case s.peekIs("/*") && !s.peekIs("/*!"):
			_, _ = s.r.Discard(1)
			s.buf = append(s.buf[:0], '/')
			if err := s.blockComment(true); err != nil {
				return Piece{}, err
			}
			if err := s.check(string(s.buf)); err != nil {
				return Piece{}, err
			}
		case s.peekFold("DELIMITER "):
			line, err := s.line()
			if err != nil && !errors.Is(err, io.EOF) {
				return Piece{}, err
			}
			d := strings.TrimSpace(line[len("DELIMITER "):])
			if d == "" {
				return Piece{}, errors.New("DELIMITER without a delimiter")
			}
			s.delim = []byte(d)
		default:
			return s.statement()
		}
	}
}

func (s *Splitter) check(comment string) error {
	if s.Comment == nil {
		return nil
	}
	return s.Comment(comment)
}

// statement reads up to the delimiter outside quotes and comments.
func (s *Splitter) statement() (Piece, error) {
	s.buf = s.buf[:0]
	var quote byte
	for {
		s.skipPlain(quote)
		c, err := s.r.ReadByte()
		if errors.Is(err, io.EOF) {
			if q := strings.TrimSpace(string(s.buf)); q != "" {
				if quote != 0 {
					return Piece{}, errors.New("the file ends inside a quoted string")
				}
				return Piece{SQL: q}, nil
			}
			return Piece{}, io.EOF
		}
		if err != nil {
			return Piece{}, err
		}
		if quote != 0 {
			s.buf = append(s.buf, c)
			switch c {
			case '\\':
				if quote != '`' {
					n, err := s.r.ReadByte()
					if err != nil {
						return Piece{}, err
					}
					s.buf = append(s.buf, n)
				}
			case quote:
				quote = 0
			}
			continue
		}
		switch {
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '-' && s.peekIs("- ", "-\t", "-\n", "-\r"):
			if _, err := s.line(); err != nil && !errors.Is(err, io.EOF) {
				return Piece{}, err
			}
			s.buf = append(s.buf, '\n')
			continue
		case c == '#':
			if _, err := s.line(); err != nil && !errors.Is(err, io.EOF) {
				return Piece{}, err
			}
			s.buf = append(s.buf, '\n')
			continue
		case c == '/' && s.peekIs("*"):
			keep := s.peekIs("*!")
			if keep {
				s.buf = append(s.buf, c)
			}
			if err := s.blockComment(keep); err != nil {
				return Piece{}, err
			}
			if !keep {
				s.buf = append(s.buf, ' ')
			}
			continue
		}
		s.buf = append(s.buf, c)
		if bytes.HasSuffix(s.buf, s.delim) {
			q := strings.TrimSpace(string(s.buf[:len(s.buf)-len(s.delim)]))
			if q == "" {
				continue
			}
			return Piece{SQL: q}, nil
		}
	}
}

// skipPlain copies the buffered bytes up to the next one the state
// machine must look at (inside quotes: the quote or a backslash; outside:
// a quote, comment start or the delimiter's first byte) in one go.
func (s *Splitter) skipPlain(quote byte) {
	buf, _ := s.r.Peek(s.r.Buffered())
	n := 0
	if quote != 0 {
		for n < len(buf) && buf[n] != quote && buf[n] != '\\' {
			n++
		}
	} else {
		d := s.delim[0]
		for n < len(buf) {
			c := buf[n]
			if c == '\'' || c == '"' || c == '`' || c == '-' || c == '#' || c == '/' || c == d {
				break
			}
			n++
		}
	}
	s.buf = append(s.buf, buf[:n]...)
	_, _ = s.r.Discard(n)
}

// blockComment consumes /* ... */ (the '/' already read), appending it
// to the statement when keep is set.
func (s *Splitter) blockComment(keep bool) error {
	star, err := s.r.ReadByte()
	if err != nil {
		return err
	}
	if keep {
		s.buf = append(s.buf, star)
	}
	var prev byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("the file ends inside a /* comment */")
			}
			return err
		}
		if keep {
			s.buf = append(s.buf, c)
		}
		if prev == '*' && c == '/' {
			return nil
		}
		prev = c
	}
}

func (s *Splitter) line() (string, error) {
	l, err := s.r.ReadString('\n')
	return strings.TrimSuffix(l, "\n"), err
}

func (s *Splitter) peekIs(prefixes ...string) bool {
	for _, p := range prefixes {
		if b, _ := s.r.Peek(len(p)); string(b) == p {
			return true
		}
	}
	return false
}

func (s *Splitter) peekFold(prefix string) bool {
	b, _ := s.r.Peek(len(prefix))
	return strings.EqualFold(string(b), prefix)
}
