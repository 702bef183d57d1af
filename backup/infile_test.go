package backup

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendRows(t *testing.T) {
	kinds := []valueKind{kindNumber, kindString, kindBinary, kindFloat}
	got, err := appendRows(nil, `(1,'a,b\'c\\\n\0',0x00ff,-0e0),(NULL,'',NULL,1.5e0),(2,'NULL','',NULL)`, kinds)
	require.NoError(t, err)
	require.Equal(t, "1,a\\,b\\'c\\\\\\n\\0,00ff,-0e0\n\\N,,\\N,1.5e0\n2,NULL,,\\N\n", string(got))

	for _, bad := range []string{`(1,'a',0x00)`, `(1,'a',0x00,1,2)`, `(1,'a`, `(1,x'00',0x00,1)`, `(1,'a',0x00,1) (2`} {
		_, err := appendRows(nil, bad, kinds)
		require.ErrorIs(t, err, errLiteral, bad)
	}
}
