package slmp_test

import (
	"os"
	"strconv"
	"testing"

	"mimamori/protocols/protocolstest"
)

func TestZZInstr(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ZZN"))
	step := protocolstest.Exchange(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5001", false, hex(readD100), hex(readResp))
	for i := 0; i < n; i++ {
		step(i)
	}
}
