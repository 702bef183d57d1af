package backup

import (
	"database/sql/driver"
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
