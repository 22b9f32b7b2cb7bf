package modem

import (
	"context"
	"fmt"
	"time"
)

// generic is plain 3GPP TS 27.007, for modems we do not know: the context
// is defined with AT+CGDCONT, authenticated with AT+CGAUTH and activated
// with AT+CGACT. On a modem in ECM/NCM/MBIM mode this brings the host
// interface up; the operating system then configures it (DHCP).
type generic struct{}

func (generic) Name() string { return "generic" }

func (generic) iccidCommands() []string {
	// AT+CCID is near universal but not 3GPP; AT+CRSM reads EF_ICCID
	// straight from the SIM and works on anything 27.007 compliant.
	return []string{"AT+CCID", "AT+ICCID", "AT+CRSM=176,12258,0,0,10"}
}

func (generic) technology(context.Context, executor) string { return "" }

func (generic) connect(ctx context.Context, x executor, apn APN, timeout time.Duration) error {
	if _, err := x.exec(ctx, cgdcont(apn), 0); err != nil {
		return err
	}
	if apn.User != "" || apn.Auth != AuthNone {
		cmd := fmt.Sprintf(`AT+CGAUTH=1,%d,"%s","%s"`, apn.Auth, apn.User, apn.Password)
		if _, err := x.exec(ctx, cmd, 0); err != nil {
			return err
		}
	}
	_, err := x.exec(ctx, "AT+CGACT=1,1", timeout)
	return err
}

func (generic) connected(ctx context.Context, x executor) (bool, error) {
	r, err := x.exec(ctx, "AT+CGACT?", 0)
	if err != nil {
		return false, err
	}
	return parseCGACT(r.Prefixed("+CGACT:"), 1)
}

func (generic) address(ctx context.Context, x executor) (string, error) {
	return cgpaddr(ctx, x, 0)
}

func (generic) disconnect(ctx context.Context, x executor) error {
	_, err := x.exec(ctx, "AT+CGACT=0,1", 0)
	return err
}
