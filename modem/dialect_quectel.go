package modem

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// quectel is the Quectel LTE modules found in USB dongles and gateways
// (EC25, EG25-G, EC21). The context is configured with AT+QICSGP (APN and
// authentication in one command) and activated with AT+QIACT, which
// answers only once the network granted the session; AT+QIACT? then lists
// the address. In ECM mode (AT+QCFG="usbnet",1) the host sees usb0.
type quectel struct{}

func (quectel) Name() string { return "quectel" }

func (quectel) iccidCommands() []string {
	return []string{"AT+QCCID", "AT+CRSM=176,12258,0,0,10"}
}

// technology reads `+QNWINFO: "FDD LTE","44010","LTE BAND 1",100`.
func (quectel) technology(ctx context.Context, x executor) string {
	r, err := x.exec(ctx, "AT+QNWINFO", 0)
	if err != nil {
		return ""
	}
	v, err := r.First("+QNWINFO:")
	if err != nil {
		return ""
	}
	act := strings.ToUpper(fields(v)[0])
	switch {
	case strings.Contains(act, "LTE"):
		return "LTE"
	case strings.Contains(act, "NR"):
		return "5G NR"
	case strings.Contains(act, "WCDMA"), strings.Contains(act, "HSPA"), strings.Contains(act, "HSDPA"), strings.Contains(act, "HSUPA"):
		return "WCDMA"
	case strings.Contains(act, "GSM"), strings.Contains(act, "EDGE"), strings.Contains(act, "GPRS"):
		return "GSM"
	}
	return ""
}

func (quectel) connect(ctx context.Context, x executor, apn APN, timeout time.Duration) error {
	ctxType := map[string]int{"IP": 1, "IPV6": 2, "IPV4V6": 3}[apn.pdpType()]
	if ctxType == 0 {
		ctxType = 1
	}
	cmd := fmt.Sprintf(`AT+QICSGP=1,%d,"%s","%s","%s",%d`, ctxType, apn.Name, apn.User, apn.Password, apn.Auth)
	if _, err := x.exec(ctx, cmd, 0); err != nil {
		return err
	}
	_, err := x.exec(ctx, "AT+QIACT=1", timeout)
	return err
}

// qiact finds context 1 in AT+QIACT?: `+QIACT: 1,1,1,"10.1.2.3"`
// (context, state, type, address).
func qiact(ctx context.Context, x executor) (active bool, ip string, err error) {
	r, err := x.exec(ctx, "AT+QIACT?", 0)
	if err != nil {
		return false, "", err
	}
	for _, v := range r.Prefixed("+QIACT:") {
		fs := fields(v)
		id, err := intField(fs, 0, 1, 16)
		if err != nil {
			return false, "", fmt.Errorf("+QIACT %q: %w", v, err)
		}
		if id != 1 {
			continue
		}
		st, err := intField(fs, 1, 0, 1)
		if err != nil {
			return false, "", fmt.Errorf("+QIACT %q: %w", v, err)
		}
		if len(fs) > 3 {
			if a, ok := parseModemIP(fs[3]); ok {
				ip = a.String()
			}
		}
		return st == 1, ip, nil
	}
	return false, "", nil
}

func (quectel) connected(ctx context.Context, x executor) (bool, error) {
	up, _, err := qiact(ctx, x)
	return up, err
}

func (quectel) address(ctx context.Context, x executor) (string, error) {
	up, ip, err := qiact(ctx, x)
	if err != nil {
		return "", err
	}
	if !up || ip == "" {
		return "", fmt.Errorf("%w: AT+QIACT?: context 1 has no address", ErrBadResponse)
	}
	return ip, nil
}

func (quectel) disconnect(ctx context.Context, x executor) error {
	_, err := x.exec(ctx, "AT+QIDEACT=1", 0)
	return err
}
