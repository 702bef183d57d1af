package sqlsplit

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func splitAll(t *testing.T, in string) []Piece {
	t.Helper()
	s := newTest(in)
	var out []Piece
	for {
		p, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, p)
	}
}

func TestSplitter(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []Piece
	}{
		{"plain", "SELECT 1;\nSELECT 2;", []Piece{{SQL: "SELECT 1"}, {SQL: "SELECT 2"}}},
		{"quotes hide delimiters", `INSERT INTO t VALUES ('a;b', "c;\"d", 'it''s;', 'x\';y');`,
			[]Piece{{SQL: `INSERT INTO t VALUES ('a;b', "c;\"d", 'it''s;', 'x\';y')`}}},
		{"backticks", "CREATE TABLE `a;b` (`c``;` INT);", []Piece{{SQL: "CREATE TABLE `a;b` (`c``;` INT)"}}},
		{"comments dropped", "-- hello;\n# hash;\n/* block; */ SELECT /* in; */ 1; -- tail\n",
			[]Piece{{SQL: "SELECT   1"}}},
		{"executable comments kept", "/*!40101 SET NAMES utf8mb4 */;\n", []Piece{{SQL: "/*!40101 SET NAMES utf8mb4 */"}}},
		{"delimiter", "DELIMITER ;;\nCREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; SET @b = ';'; END;;\nDELIMITER ;\nSELECT 3;",
			[]Piece{{SQL: "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; SET @b = ';'; END"}, {SQL: "SELECT 3"}}},
		{"dollar delimiter", "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT '$$'; SELECT 1; END$$\nDELIMITER ;\nSELECT 2;",
			[]Piece{{SQL: "CREATE PROCEDURE p() BEGIN SELECT '$$'; SELECT 1; END"}, {SQL: "SELECT 2"}}},
		{"markers", "SELECT 1;\n-- tenancy:section data\nSELECT 2;\n-- tenancy:complete tables=1 rows=2 bytes=3\n",
			[]Piece{{SQL: "SELECT 1"}, {Marker: "section data"}, {SQL: "SELECT 2"}, {Marker: "complete tables=1 rows=2 bytes=3"}}},
		{"no final delimiter", "SELECT 1", []Piece{{SQL: "SELECT 1"}}},
		{"odd comment", "/*/ still comment */ SELECT 4;", []Piece{{SQL: "SELECT 4"}}},
		{"minus minus without space", "SELECT 5--1;", []Piece{{SQL: "SELECT 5--1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, splitAll(t, c.in))
		})
	}
}

func TestSplitterUnterminated(t *testing.T) {
	for _, in := range []string{"SELECT 'abc", "SELECT /* open"} {
		s := newTest(in)
		_, err := s.Next()
		require.Error(t, err, in)
		require.NotErrorIs(t, err, io.EOF, in)
	}
}

func newTest(in string) *Splitter {
	s := New(strings.NewReader(in))
	s.MarkerPrefix = "-- tenancy:"
	return s
}
