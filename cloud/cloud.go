package cloud

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"time"

	"mimamori/cloud/broker"
	"mimamori/cloud/ingest"
	"mimamori/cloud/store"
	"mimamori/cloud/store/sqlite"
	"mimamori/edge/tlsconf"
	"mimamori/web/auth"
	"mimamori/web/portal"
)

// Cloud is a running cloud.
type Cloud struct {
	Store  store.Store
	Ingest *ingest.Service

	broker     *broker.Broker
	sub        *broker.Subscriber
	http       *http.Server
	httpAddr   string
	httpScheme string // http, or https with the portal's own TLS
	cfg        Config // as started, or as last reloaded

	stopWatch func()        // ends watchCertificates
	watchDone chan struct{} // closed when it has ended
	logger    *slog.Logger
}

// Start opens the store, provisions the configured identities, and starts
// ingest, MQTT and the portal. Close stops them.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Cloud, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "mimamori.db"))
	if err != nil {
		return nil, err
	}
	c := &Cloud{Store: st, logger: logger}
	if err := c.start(ctx, cfg); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// identities are cfg's tenants and sensors for ingest, and the sensors'
// credentials for the embedded broker.
func identities(cfg Config) ([]ingest.Tenant, []broker.Credential) {
	var tenants []ingest.Tenant
	var creds []broker.Credential
	for _, t := range cfg.Tenants {
		it := ingest.Tenant{ID: t.ID, Name: t.Name}
		for _, s := range t.Sensors {
			it.Sensors = append(it.Sensors, ingest.Sensor{ID: s.ID, DisplayName: s.DisplayName})
			creds = append(creds, broker.Credential{Tenant: t.ID, Sensor: s.ID, Username: s.Username, Password: s.Password})
		}
		tenants = append(tenants, it)
	}
	return tenants, creds
}

// Reload applies cfg's tenants, sensors and users to the running cloud,
// as `mimamori cloud` does on SIGHUP: sensors and tenants added are taken
// from now on, those removed are refused and disconnected (their data
// stays), a changed sensor password disconnects the sensor until it logs
// in with the new one, and users missing from the store are created.
// Settings that take a restart (addresses, TLS files, the data directory,
// an external broker) must be unchanged: a cfg that changes them, or does
// not validate, is refused whole and the running configuration kept.
func (c *Cloud) Reload(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	was, now := c.cfg, cfg
	was.Tenants, now.Tenants = nil, nil
	if !reflect.DeepEqual(was, now) {
		return fmt.Errorf("cloud: reload: only tenants, sensors and users can change without a restart")
	}
	tenants, creds := identities(cfg)
	if err := c.Ingest.SetTenants(ctx, tenants); err != nil {
		return fmt.Errorf("cloud: reload: %w", err)
	}
	if c.broker != nil {
		if err := c.broker.SetCredentials(creds); err != nil {
			return fmt.Errorf("cloud: reload: %w", err)
		}
	}
	if err := c.provisionUsers(ctx, cfg); err != nil {
		return fmt.Errorf("cloud: reload: %w", err)
	}
	c.cfg = cfg
	return nil
}

func (c *Cloud) start(ctx context.Context, cfg Config) error {
	c.cfg = cfg
	tenants, creds := identities(cfg)
	if certs := certificateFiles(cfg); len(certs) > 0 {
		wctx, cancel := context.WithCancel(context.Background())
		c.stopWatch, c.watchDone = cancel, make(chan struct{})
		go func() {
			defer close(c.watchDone)
			watchCertificates(wctx, certs, c.logger, time.Now, 12*time.Hour)
		}()
	}
	svc, err := ingest.Start(ctx, ingest.Config{
		Store:         c.Store,
		Tenants:       tenants,
		QuarantineDir: filepath.Join(cfg.DataDir, "quarantine"),
		Logger:        c.logger.With("component", "ingest"),
	})
	if err != nil {
		return err
	}
	c.Ingest = svc
	if err := c.provisionUsers(ctx, cfg); err != nil {
		return err
	}
	isPermanent := func(err error) bool { return errors.Is(err, ingest.ErrRejected) }
	if cfg.Broker == "" {
		var serverTLS *tls.Config
		if cfg.MQTTTLSCert != "" {
			if serverTLS, err = tlsconf.Server(cfg.MQTTTLSCert, cfg.MQTTTLSKey, cfg.MQTTTLSClientCA); err != nil {
				return fmt.Errorf("cloud: broker: %w", err)
			}
		}
		c.broker, err = broker.Start(broker.Config{
			TLS: serverTLS, PlainListen: cfg.MQTTPlainListen,
			Listen: cfg.MQTTListen, Credentials: creds, Ingester: svc,
			IsPermanent: isPermanent, Logger: c.logger.With("component", "broker"),
		})
		if err == nil {
			for _, u := range []string{c.broker.URL(), c.broker.PlainURL()} {
				if u != "" && !tlsconf.Secure(u) && !tlsconf.Loopback(u) {
					c.logger.Warn("cloud: the broker listens without TLS: sensors' passwords and data cross the network in the clear; give it mqtt_tls_cert and mqtt_tls_key unless it is reached over a private APN or a VPN only", "url", u)
				}
			}
		}
	} else {
		var clientTLS *tls.Config
		if tlsconf.Secure(cfg.Broker) {
			if clientTLS, err = tlsconf.ClientWithCertificate(cfg.BrokerCA, cfg.BrokerCert, cfg.BrokerKey); err != nil {
				return fmt.Errorf("cloud: broker: %w", err)
			}
		}
		c.sub, err = broker.Subscribe(ctx, broker.SubscriberConfig{
			TLS:    clientTLS,
			Broker: cfg.Broker, Username: cfg.BrokerUsername, Password: cfg.BrokerPassword,
			Ingester: svc, IsPermanent: isPermanent, Logger: c.logger.With("component", "subscriber"),
		})
	}
	if err != nil {
		return err
	}
	var sensorLinks func(string) map[string]portal.SensorLink
	if c.broker != nil {
		sensorLinks = c.sensorLinks
	}
	p, err := portal.New(portal.Options{
		SensorLinks:   sensorLinks,
		Store:         c.Store,
		Logger:        c.logger.With("component", "portal"),
		SecureCookies: cfg.SecureCookies || cfg.HTTPTLSCert != "",
		OpsTree: func() any {
			tree := map[string]any{"cloud": svc.Tree(), "ingest": svc.Stats(), "sensors": svc.SensorStates()}
			if c.broker != nil {
				// Every tenant's sensors' links: which still send in the
				// clear, which log in with a certificate.
				tree["links"] = c.broker.Links()
			}
			return tree
		},
		OpsToken: cfg.OpsToken,
	})
	if err != nil {
		return fmt.Errorf("cloud: portal: %w", err)
	}
	listen := cfg.HTTPListen
	if listen == "" {
		listen = ":8080"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cloud: portal: %w", err) // names the address
	}
	c.httpAddr = ln.Addr().String()
	if cfg.HTTPTLSCert != "" {
		portalTLS, err := tlsconf.Server(cfg.HTTPTLSCert, cfg.HTTPTLSKey, "")
		if err != nil {
			ln.Close()
			return fmt.Errorf("cloud: portal: %w", err)
		}
		portalTLS.NextProtos = []string{"h2", "http/1.1"}
		ln, c.httpScheme = tls.NewListener(ln, portalTLS), "https"
	}
	// No write timeout: a CSV download of a month may take a while. Idle
	// keep-alive connections are closed after two minutes.
	c.http = &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := c.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.logger.Error("cloud: portal server", "err", err)
		}
	}()
	return nil
}

func (c *Cloud) provisionUsers(ctx context.Context, cfg Config) error {
	for _, t := range cfg.Tenants {
		for _, u := range t.Users {
			_, err := c.Store.UserByEmail(ctx, u.Email)
			if err == nil {
				continue // never overwrite a password the user may have changed
			}
			if !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("cloud: look up user %s: %w", u.Email, err)
			}
			hash, err := auth.HashPassword(u.Password)
			if err != nil {
				return err
			}
			if err := c.Store.CreateUser(ctx, store.User{
				Tenant: t.ID, Email: u.Email, DisplayName: u.Name, PasswordHash: hash, Admin: u.Admin, CreatedAt: time.Now(),
			}); err != nil {
				return fmt.Errorf("cloud: create user %s: %w", u.Email, err)
			}
		}
	}
	return nil
}

// MQTTURL is where sensors connect (the embedded broker), or "" with an
// external broker.
func (c *Cloud) MQTTURL() string {
	if c.broker == nil {
		return ""
	}
	return c.broker.URL()
}

// HTTPAddr is the portal's listening address.
func (c *Cloud) HTTPAddr() string { return c.httpAddr }

// PortalURL is the portal's base URL on its listening address.
func (c *Cloud) PortalURL() string {
	if c.httpScheme == "" {
		return "http://" + c.httpAddr
	}
	return c.httpScheme + "://" + c.httpAddr
}

// Close stops everything and closes the store.
func (c *Cloud) Close() error {
	if c.stopWatch != nil {
		c.stopWatch()
		<-c.watchDone
	}
	if c.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := c.http.Shutdown(ctx); err != nil {
			c.http.Close() // requests still running after 5 s are cut off
		}
		cancel()
	}
	if c.broker != nil {
		c.broker.Close()
	}
	if c.sub != nil {
		c.sub.Close()
	}
	if c.Ingest != nil {
		c.Ingest.Stop()
	}
	return c.Store.Close()
}

// sensorLinks is how each of tenant's sensors is connected to the
// embedded broker, for the portal.
func (c *Cloud) sensorLinks(tenant string) map[string]portal.SensorLink {
	out := map[string]portal.SensorLink{}
	for _, l := range c.broker.Links() {
		if l.Tenant == tenant {
			out[l.Sensor] = portal.SensorLink{Connected: l.Connected, TLS: l.TLS, Certificate: l.Certificate, Since: l.Since}
		}
	}
	return out
}

// certificateFiles are the certificates cfg serves, by what they are for.
func certificateFiles(cfg Config) map[string]string {
	m := map[string]string{}
	if cfg.MQTTTLSCert != "" {
		m["broker"] = cfg.MQTTTLSCert
	}
	if cfg.HTTPTLSCert != "" {
		m["portal"] = cfg.HTTPTLSCert
	}
	return m
}

// certificateWarnBefore is how long before a served certificate expires
// the log says so, every check: an expired broker certificate shuts every
// sensor out.
const certificateWarnBefore = 30 * 24 * time.Hour

// watchCertificates checks at once and then every interval when the
// certificates in files (read again each time, since they are renewed in
// place) expire, and logs a warning in their last 30 days and an error
// once they have expired, until ctx ends.
func watchCertificates(ctx context.Context, files map[string]string, logger *slog.Logger, now func() time.Time, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for what, file := range files {
			expires, err := tlsconf.Expiry(file)
			switch left := expires.Sub(now()); {
			case err != nil:
				logger.Error("cloud: the "+what+"'s certificate cannot be read", "file", file, "err", err)
			case left <= 0:
				logger.Error("cloud: the "+what+"'s certificate has expired; renew it", "file", file, "expired", expires)
			case left < certificateWarnBefore:
				logger.Warn("cloud: the "+what+"'s certificate expires soon; renew it", "file", file, "expires", expires,
					"days_left", int(left.Hours()/24))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
