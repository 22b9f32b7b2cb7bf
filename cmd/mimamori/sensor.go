package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mimamori/edge/capture"
	"mimamori/edge/sensor"
	"mimamori/edge/status"
	"mimamori/modem"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runSensor(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sensor", flag.ContinueOnError)
	var ifaces, files multiFlag
	tenant := fs.String("tenant", "", "tenant id this sensor belongs to")
	id := fs.String("id", "", "sensor id")
	data := fs.String("data", "/var/lib/mimamori", "data directory (spool)")
	brokerURL := fs.String("broker", "tcp://127.0.0.1:1883", "cloud MQTT broker URL: ssl://host:8883 (or mqtts://) for TLS, tcp://host:1883 without")
	brokerCA := fs.String("broker-ca", "", "PEM file of the CA that signed the broker's certificate, for a private CA (default: the system's roots)")
	certFile := fs.String("cert-file", "", "PEM file of the sensor's own certificate, for a cloud that takes certificates (with --key-file)")
	keyFile := fs.String("key-file", "", "PEM file of the key of --cert-file")
	username := fs.String("username", "", "MQTT username (default: the sensor id)")
	passwordFile := fs.String("password-file", "", "file holding the MQTT password (default: $MIMAMORI_SENSOR_PASSWORD)")
	logLevel := fs.String("log", "info", "log level: debug, info, warn, error")
	fs.Var(&ifaces, "iface", "capture interface (AF_PACKET); repeat for several")
	fs.Var(&files, "pcap", "replay a pcap/pcapng file instead of live capture; repeatable")
	mf := modemFlags(fs)
	reportEvery := fs.Duration("report-every", sensor.DefaultReportEvery,
		"longest wait for the counters of devices, names and OT events that say nothing new (whole minutes dividing a day; 1m sends every minute's)")
	statusListen := fs.String("status-listen", "0.0.0.0:8081", `local status page address ("" for none)`)
	ledRoot := fs.String("led-root", "/sys/class/leds", "LED class directory")
	ledGreen := fs.String("led-green", "", "status LED, green part (a name under --led-root); empty: no LEDs")
	ledRed := fs.String("led-red", "", "status LED, red part")
	ledAmber := fs.String("led-amber", "", "status LED, amber (default: green and red together)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(ifaces)+len(files) == 0 {
		return fmt.Errorf("sensor: give at least one --iface or --pcap")
	}
	// A file that cannot be read now never will be: say so and stop,
	// rather than retry it (an interface may still appear later).
	for _, f := range files {
		src, err := capture.OpenFile(f)
		if err != nil {
			return fmt.Errorf("sensor: --pcap: %w", err)
		}
		src.Close()
	}
	password := os.Getenv("MIMAMORI_SENSOR_PASSWORD")
	if *passwordFile != "" {
		b, err := os.ReadFile(*passwordFile)
		if err != nil {
			return fmt.Errorf("sensor: password: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	var sources []sensor.Source
	for _, iface := range ifaces {
		iface := iface
		sources = append(sources, sensor.Source{Name: iface, Iface: iface, Open: func() (capture.Source, error) {
			return capture.OpenLive(iface, capture.LiveOptions{})
		}})
	}
	for i, f := range files {
		f := f
		sources = append(sources, sensor.Source{Name: fmt.Sprintf("file%d-%s", i+1, sanitize(filepath.Base(f))), Open: func() (capture.Source, error) {
			return capture.OpenFile(f)
		}})
	}
	logger := newLogger(os.Stderr, *logLevel)
	modemCfg, err := mf.config()
	if err != nil {
		return err
	}
	var leds status.LEDs
	if *ledGreen != "" || *ledRed != "" {
		l, err := status.NewSysfs(status.SysfsConfig{Root: *ledRoot, Green: *ledGreen, Red: *ledRed, Amber: *ledAmber})
		if err != nil {
			// The page still tells the story; a wrong LED name must not
			// keep the sensor from capturing.
			logger.Error("sensor: no status LED", "err", err)
		} else {
			defer l.Close()
			leds = l
		}
	}
	s, err := sensor.Start(ctx, sensor.Config{
		Tenant: *tenant, ID: *id, DataDir: *data,
		Broker: *brokerURL, BrokerCA: *brokerCA, BrokerCert: *certFile, BrokerKey: *keyFile, Username: *username, Password: password,
		Sources: sources, Heartbeat: len(ifaces) > 0, Logger: logger,
		ReportEvery: *reportEvery,
		Modem:       modemCfg, ModemInterface: *mf.iface,
		StatusListen: *statusListen, LEDs: leds,
	})
	if err != nil {
		return err
	}
	logger.Info("sensor started", "tenant", *tenant, "id", *id, "sources", len(sources))
	if len(ifaces) == 0 {
		select {
		case <-s.Drained():
			logger.Info("all files replayed; waiting for the upload to finish (Ctrl-C to stop)")
		case <-ctx.Done():
		}
	}
	<-ctx.Done()
	s.Stop()
	return nil
}

// sanitize keeps a file name usable as an actor and source name.
func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 48 {
		s = s[:48]
	}
	return s
}

// sensorModemFlags are the sensor command's LTE modem settings.
type sensorModemFlags struct {
	device, dialect, iface   *string
	apn, apnUser, apnAuth    *string
	apnPasswordFile, pinFile *string
	usbReset                 *bool
}

func modemFlags(fs *flag.FlagSet) *sensorModemFlags {
	return &sensorModemFlags{
		device:          fs.String("modem", "auto", `LTE modem AT port: "auto" probes /dev/ttyUSB* and /dev/ttyACM*, "none" runs without a modem, or a device such as /dev/serial/by-id/...`),
		dialect:         fs.String("modem-dialect", "", "force the modem dialect: "+strings.Join(modem.Dialects(), ", ")+" (default: detect)"),
		iface:           fs.String("modem-iface", "wwan0", "the modem's network interface, metered for data usage"),
		apn:             fs.String("apn", "", "APN of the data session"),
		apnUser:         fs.String("apn-user", "", "APN user name"),
		apnAuth:         fs.String("apn-auth", "none", "APN authentication: none, pap or chap"),
		apnPasswordFile: fs.String("apn-password-file", "", "file holding the APN password (default: $MIMAMORI_APN_PASSWORD)"),
		pinFile:         fs.String("sim-pin-file", "", "file holding the SIM PIN, if the SIM has one (default: $MIMAMORI_SIM_PIN)"),
		usbReset:        fs.Bool("modem-usb-reset", true, "as the last recovery step, reset a dongle that stopped answering on the USB bus (needs root)"),
	}
}

// config turns the flags into a modem configuration; nil for "none".
func (f *sensorModemFlags) config() (*modem.Config, error) {
	if *f.device == "none" {
		return nil, nil
	}
	c := &modem.Config{Dialect: *f.dialect, APN: modem.APN{Name: *f.apn, User: *f.apnUser}}
	if *f.device != "auto" {
		c.Device = *f.device
	}
	switch *f.apnAuth {
	case "none":
		c.APN.Auth = modem.AuthNone
	case "pap":
		c.APN.Auth = modem.AuthPAP
	case "chap":
		c.APN.Auth = modem.AuthCHAP
	default:
		return nil, fmt.Errorf("sensor: --apn-auth %q: want none, pap or chap", *f.apnAuth)
	}
	var err error
	if c.APN.Password, err = secret(*f.apnPasswordFile, "MIMAMORI_APN_PASSWORD"); err != nil {
		return nil, fmt.Errorf("sensor: APN password: %w", err)
	}
	if c.PIN, err = secret(*f.pinFile, "MIMAMORI_SIM_PIN"); err != nil {
		return nil, fmt.Errorf("sensor: SIM PIN: %w", err)
	}
	if *f.usbReset {
		c.USBReset = modem.SysfsUSBReset("/sys", time.Second)
	}
	return c, nil
}

// secret reads a value from a file, else from the environment.
func secret(file, env string) (string, error) {
	if file == "" {
		return os.Getenv(env), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
