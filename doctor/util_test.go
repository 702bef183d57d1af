package doctor

import (
	"errors"
	"strconv"
)

var errBoom = errors.New("injected backup failure")

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }
