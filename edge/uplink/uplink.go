package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"mimamori/edge/spool"
	"mimamori/edge/wire"
)

// Config says where and as whom to publish.
type Config struct {
	Broker         string // tcp://host:port
	ClientID       string
	Username       string
	Password       string
	Topic          string
	PublishTimeout time.Duration // default 30 s
	// MaxPayload is the largest batch sent; larger ones are dropped
	// (wire.MaxPayload, what the broker takes, when zero).
	MaxPayload int
	// TLS is the link's TLS configuration for a broker URL that asks for
	// TLS (ssl://, mqtts://; see tlsconf.Secure).
	TLS    *tls.Config
	Logger *slog.Logger
}

// Status is what the status page and the batches report about the link.
type Status struct {
	Connected  bool
	LastSent   time.Time
	LastSeq    uint64
	Sent       uint64
	Failures   uint64
	LastError  string
	Backlog    int
	BacklogB   int64
	DroppedOld uint64
	// Oversize counts batches too large for the broker to take
	// (wire.MaxPayload), dropped rather than sent again for ever.
	Oversize uint64
	// ConnectError is why the last attempt to connect failed, "" once
	// connected; Refused says the broker refused the sensor's
	// credentials, which retrying will not mend.
	ConnectError string
	Refused      bool
}

// Uplink drains a spool into MQTT.
type Uplink struct {
	cfg    Config
	spool  *spool.Spool
	client mqtt.Client
	notify chan struct{}

	mu     sync.Mutex
	status Status
	// failing is the reason of the connection attempts failing in a row,
	// logged once until it changes or the link is up.
	failing string
}

// New prepares an uplink; nothing connects until Run.
func New(cfg Config, sp *spool.Spool) *Uplink {
	if cfg.PublishTimeout <= 0 {
		cfg.PublishTimeout = 30 * time.Second
	}
	if cfg.MaxPayload <= 0 || cfg.MaxPayload > wire.MaxPayload {
		cfg.MaxPayload = wire.MaxPayload
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	u := &Uplink{cfg: cfg, spool: sp, notify: make(chan struct{}, 1)}
	opts := mqtt.NewClientOptions().
		AddBroker(cfg.Broker).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(true). // durability comes from the spool, not the session
		SetStore(newCopyingStore()).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(2 * time.Second).
		// 3.1.1 only: refused at 3.1.1, paho would retry at 3.1 and report
		// that attempt's reason instead of the broker's answer.
		SetProtocolVersion(4).
		SetMaxReconnectInterval(time.Minute).
		SetKeepAlive(30 * time.Second).
		SetOrderMatters(true).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			u.setErr(fmt.Errorf("connection lost: %w", err))
			cfg.Logger.Warn("uplink: connection lost", "err", err)
		}).
		SetOnConnectHandler(func(mqtt.Client) {
			cfg.Logger.Info("uplink: connected", "broker", cfg.Broker)
			u.connected()
			u.Notify()
		}).
		SetConnectionNotificationHandler(func(_ mqtt.Client, n mqtt.ConnectionNotification) {
			if f, ok := n.(mqtt.ConnectionNotificationFailed); ok && f.Reason != nil {
				u.connectFailed(f.Reason)
			}
		})
	if cfg.TLS != nil {
		opts.SetTLSConfig(cfg.TLS)
	}
	u.client = mqtt.NewClient(opts)
	return u
}

// Notify wakes the pump after a batch was spooled. It never blocks.
func (u *Uplink) Notify() {
	select {
	case u.notify <- struct{}{}:
	default:
	}
}

// Status returns a snapshot of the link.
func (u *Uplink) Status() Status {
	u.mu.Lock()
	st := u.status
	u.mu.Unlock()
	st.Connected = u.client.IsConnectionOpen()
	sp := u.spool.Stats()
	st.Backlog, st.BacklogB, st.DroppedOld = sp.Batches, sp.Bytes, sp.Dropped
	return st
}

// connectFailed notes why an attempt to connect failed, and logs it when
// the reason is new.
func (u *Uplink) connectFailed(reason error) {
	refused := errors.Is(reason, packets.ErrorRefusedBadUsernameOrPassword) ||
		errors.Is(reason, packets.ErrorRefusedNotAuthorised) || errors.Is(reason, packets.ErrorRefusedIDRejected)
	msg := reason.Error()
	u.mu.Lock()
	u.status.ConnectError, u.status.Refused = msg, refused
	repeat := u.failing == msg
	u.failing = msg
	u.mu.Unlock()
	if repeat {
		return
	}
	if refused {
		u.cfg.Logger.Error("uplink: the broker refused the sensor's credentials; check the tenant, sensor id and password",
			"broker", u.cfg.Broker, "username", u.cfg.Username, "err", reason)
		return
	}
	u.cfg.Logger.Warn("uplink: cannot connect to the broker; retrying", "broker", u.cfg.Broker, "err", reason)
}

// connected clears the reason of earlier failed attempts.
func (u *Uplink) connected() {
	u.mu.Lock()
	u.status.ConnectError, u.status.Refused, u.failing = "", false, ""
	u.mu.Unlock()
}

func (u *Uplink) setErr(err error) {
	u.mu.Lock()
	u.status.Failures++
	u.status.LastError = err.Error()
	u.mu.Unlock()
}

// Run connects and publishes until ctx ends. Broker outages are waited out,
// never returned: the spool keeps the data meanwhile.
func (u *Uplink) Run(ctx context.Context) error {
	u.client.Connect() // with ConnectRetry this keeps trying in the background
	defer u.client.Disconnect(250)
	backoff := time.Second
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	waiting := false // for the broker: said once until the spool is drained
	for {
		err := u.drain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := 0 * time.Second
		switch {
		case errors.Is(err, errNotConnected):
			// Not a failure: the client is connecting, or reconnecting
			// after a loss it has logged. Its connect handler wakes the
			// pump, so there is nothing to back off from.
			if !waiting {
				u.cfg.Logger.Info("uplink: waiting for the broker; batches stay in the spool", "broker", u.cfg.Broker)
				waiting = true
			}
		case err != nil:
			u.setErr(err)
			u.cfg.Logger.Warn("uplink: publish failed; will retry", "err", err, "in", backoff)
			wait = backoff
			backoff = min(backoff*2, time.Minute)
		default:
			backoff, waiting = time.Second, false
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-u.notify:
		case <-tick.C:
		}
	}
}

var errNotConnected = errors.New("uplink: not connected")

// drain publishes spooled batches in order until the spool is empty.
func (u *Uplink) drain(ctx context.Context) error {
	for ctx.Err() == nil {
		seq, payload, err := u.spool.Oldest()
		if errors.Is(err, spool.ErrEmpty) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(payload) > u.cfg.MaxPayload {
			// The broker would close the connection on it, and the
			// batch would block the spool for ever.
			u.cfg.Logger.Error("uplink: batch too large to send; dropped", "seq", seq, "bytes", len(payload), "max", u.cfg.MaxPayload)
			if err := u.spool.Remove(seq); err != nil {
				return err
			}
			u.mu.Lock()
			u.status.Oversize++
			u.mu.Unlock()
			continue
		}
		if !u.client.IsConnectionOpen() {
			return errNotConnected
		}
		tok := u.client.Publish(u.cfg.Topic, 1, false, payload)
		if !tok.WaitTimeout(u.cfg.PublishTimeout) {
			return fmt.Errorf("uplink: batch %d: no PUBACK within %s", seq, u.cfg.PublishTimeout)
		}
		if err := tok.Error(); err != nil {
			return fmt.Errorf("uplink: batch %d: %w", seq, err)
		}
		if err := u.spool.Remove(seq); err != nil {
			return err
		}
		u.mu.Lock()
		u.status.LastSent, u.status.LastSeq = time.Now(), seq
		u.status.Sent++
		u.mu.Unlock()
	}
	return nil
}
