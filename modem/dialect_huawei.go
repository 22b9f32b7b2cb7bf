package modem

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// huawei is the Huawei dongles in "stick" (not HiLink) firmware: E3372s,
// E8372 stick mode, ME909s. The data session is NDIS: AT^NDISDUP dials,
// the modem confirms with ^NDISSTAT: 1 (or AT^NDISSTATQRY?), and the
// host's wwan0 (huawei_cdc_ncm) then gets its address by DHCP. HiLink
// firmware has no AT port at all and cannot be managed.
type huawei struct{}

func (huawei) Name() string { return "huawei" }

func (huawei) iccidCommands() []string {
	return []string{"AT^ICCID?", "AT+CRSM=176,12258,0,0,10"}
}

// technology reads AT^SYSINFOEX: `^SYSINFOEX: 2,3,0,1,,6,"LTE",101,"LTE"`,
// whose seventh field names the system mode.
func (huawei) technology(ctx context.Context, x executor) string {
	r, err := x.exec(ctx, "AT^SYSINFOEX", 0)
	if err != nil {
		return ""
	}
	v, err := r.First("^SYSINFOEX:")
	if err != nil {
		return ""
	}
	fs := fields(v)
	if len(fs) < 7 {
		return ""
	}
	switch strings.ToUpper(fs[6]) {
	case "LTE":
		return "LTE"
	case "WCDMA", "HSPA", "HSPA+", "HSDPA", "HSUPA", "TD-SCDMA":
		return "WCDMA"
	case "GSM", "GPRS", "EDGE":
		return "GSM"
	}
	return ""
}

func (h huawei) connect(ctx context.Context, x executor, apn APN, timeout time.Duration) error {
	if _, err := x.exec(ctx, cgdcont(apn), 0); err != nil {
		return err
	}
	cmd := fmt.Sprintf(`AT^NDISDUP=1,1,"%s"`, apn.Name)
	if apn.User != "" || apn.Auth != AuthNone {
		cmd = fmt.Sprintf(`AT^NDISDUP=1,1,"%s","%s","%s",%d`, apn.Name, apn.User, apn.Password, apn.Auth)
	}
	if _, err := x.exec(ctx, cmd, 0); err != nil {
		return err
	}
	// NDISDUP answers OK at once and dials in the background.
	deadline := time.Now().Add(timeout)
	for {
		up, err := h.connected(ctx, x)
		if err != nil {
			return err
		}
		if up {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: ^NDISDUP: no connection after %s", ErrCommandFailed, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(time.Second, timeout/4)):
		}
	}
}

// connected reads `^NDISSTATQRY: 1,,,"IPV4"[,0,,,"IPV6"]`; 1 is connected.
func (huawei) connected(ctx context.Context, x executor) (bool, error) {
	r, err := x.exec(ctx, "AT^NDISSTATQRY?", 0)
	if err != nil {
		return false, err
	}
	v, err := r.First("^NDISSTATQRY:")
	if err != nil {
		return false, err
	}
	st, err := intField(fields(v), 0, 0, 3)
	if err != nil {
		return false, fmt.Errorf("^NDISSTATQRY %q: %w", v, err)
	}
	return st == 1, nil
}

func (huawei) address(ctx context.Context, x executor) (string, error) {
	return cgpaddr(ctx, x, 0)
}

func (huawei) disconnect(ctx context.Context, x executor) error {
	_, err := x.exec(ctx, "AT^NDISDUP=1,0", 0)
	return err
}
