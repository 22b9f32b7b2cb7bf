package broker

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"mimamori/edge/wire"
)

// SubscriberConfig connects the cloud to an external broker.
type SubscriberConfig struct {
	Broker      string      // tcp://host:port, or ssl://host:port for TLS
	TLS         *tls.Config // for a broker URL that asks for TLS
	ClientID    string
	Username    string
	Password    string
	Ingester    Ingester
	IsPermanent func(error) bool
	Logger      *slog.Logger
}

// Subscriber consumes every sensor's batches from an external broker with a
// persistent session and manual acknowledgements: a message is acknowledged
// only after it is stored, so a cloud crash mid-ingest means redelivery.
type Subscriber struct {
	client paho.Client
}

// Subscribe connects and subscribes; it returns once subscribed.
func Subscribe(ctx context.Context, cfg SubscriberConfig) (*Subscriber, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.IsPermanent == nil {
		cfg.IsPermanent = func(error) bool { return false }
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "mimamori-cloud-ingest"
	}
	handler := func(c paho.Client, m paho.Message) {
		err := cfg.Ingester.Ingest(ctx, m.Topic(), m.Payload())
		if err != nil && !cfg.IsPermanent(err) {
			cfg.Logger.Warn("broker: ingest failed; leaving message unacknowledged", "topic", m.Topic(), "err", err)
			return
		}
		m.Ack()
	}
	opts := paho.NewClientOptions().
		AddBroker(cfg.Broker).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(false).
		SetAutoAckDisabled(true).
		SetAutoReconnect(true).
		SetOrderMatters(true).
		SetKeepAlive(30 * time.Second).
		SetOnConnectHandler(func(c paho.Client) {
			// Resubscribe on every (re)connect; with a persistent session
			// the broker kept what arrived meanwhile.
			if t := c.Subscribe(wire.BatchFilter, 1, handler); t.WaitTimeout(10*time.Second) && t.Error() != nil {
				cfg.Logger.Error("broker: subscribe", "err", t.Error())
			}
		})
	if cfg.TLS != nil {
		opts.SetTLSConfig(cfg.TLS)
	}
	client := paho.NewClient(opts)
	tok := client.Connect()
	if !tok.WaitTimeout(15 * time.Second) {
		return nil, fmt.Errorf("broker: connect %s: timed out", cfg.Broker)
	}
	if err := tok.Error(); err != nil {
		return nil, fmt.Errorf("broker: connect %s: %w", cfg.Broker, err)
	}
	// Subscribe here too so that the caller may rely on the subscription
	// once this returns; a second SUBSCRIBE for the same filter is harmless.
	if t := client.Subscribe(wire.BatchFilter, 1, handler); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		client.Disconnect(0)
		return nil, fmt.Errorf("broker: subscribe %s: %v", wire.BatchFilter, t.Error())
	}
	return &Subscriber{client: client}, nil
}

// Close disconnects.
func (s *Subscriber) Close() { s.client.Disconnect(250) }
