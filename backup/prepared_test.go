package backup

import (
	"database/sql/driver"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendRow(t *testing.T) {
	lt := &loadTable{kinds: []valueKind{kindNumber, kindString, kindBinary, kindFloat, kindNumber}, year: []bool{false, false, false, false, true}}
	var args []driver.Value
	s := `(1,'a,b\'c\\\n\0\Z\r',0x00ff,-0e0,0),(NULL,'',NULL,1.5e0,2155),(2,'NULL','',NULL,NULL),(-7.25,'plain',0x,1e300,1901)`
	for {
		var err error
		args, s, err = appendRow(args, s, lt)
		require.NoError(t, err)
		if s == "" {
			break
		}
		require.Equal(t, byte(','), s[0])
		s = s[1:]
	}
	require.Equal(t, []driver.Value{
		"1", []byte("a,b'c\\\n\x00\x1a\r"), []byte{0x00, 0xff}, "-0e0", int64(0),
		nil, "", nil, "1.5e0", int64(2155),
		"2", "NULL", []byte{}, nil, nil,
		"-7.25", "plain", []byte{}, "1e300", int64(1901),
	}, args)

	for _, bad := range []string{
		`(1,'a',0x00,1)`,          // a value short
		`(1,'a',0x00,1,2,3)`,      // a value more
		`(1,'a`,                   // unterminated
		`(1,x'00',0x00,1,1)`,      // a literal we never write
		`(1,'a\q',0x00,1,1)`,      // an escape we never write
		`(1,'a',0x0g,1,1)`,        // bad hex
		`(1,'a',0x00,1,'1999')`,   // a quoted year
		`('1','a',0x00,1,1)`,      // a quoted number
		`(1,a,0x00,1,1)`,          // an unquoted string
		`1,'a',0x00,1,1)`,         // no parenthesis
		`(1,'a',0x00,1,nineteen)`, // not a year
	} {
		_, _, err := appendRow(nil, bad, lt)
		require.ErrorIs(t, err, errLiteral, bad)
	}
}

// TestNegativeZeroLiteral: FLOAT and DOUBLE -0 are written with an
// exponent, which MySQL reads as a double with its sign (a bare "-0" is
// read as the integer 0), and the restore passes the literal on as it is
// (TestAppendRow). MariaDB 10.11 itself stores -0 as +0 (measured: a -0
// sent over the binary protocol reads back +0), so no server round trip
// here can see the sign; MySQL 8 keeps it, untested here.
func TestNegativeZeroLiteral(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, v := range []any{negZero, float32(negZero)} {
		lit := string(appendLiteral(nil, kindFloat, nil, v))
		require.Equal(t, "-0e0", lit, "%T", v)
		back, err := strconv.ParseFloat(lit, 64)
		require.NoError(t, err)
		require.True(t, math.Signbit(back), "%T: %s lost the sign", v, lit)
	}
	require.Equal(t, "0e0", string(appendLiteral(nil, kindFloat, nil, 0.0)))
	require.Equal(t, "1.5", string(appendLiteral(nil, kindFloat, nil, float32(1.5))))
}

func TestInsertTable(t *testing.T) {
	require.Equal(t, "users", insertTable("INSERT INTO `users` (`id`) VALUES (1)"))
	require.Equal(t, "a`b", insertTable("INSERT INTO `a``b` (`id`) VALUES (1)"))
	require.Equal(t, "", insertTable("CREATE TABLE `x` (id INT)"))
	require.Equal(t, "", insertTable("INSERT INTO `open"))
}
