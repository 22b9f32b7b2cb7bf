package status

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"mimamori/modem"
)

// Text is one message in both languages of the page.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

func tx(ja, en string) Text { return Text{JA: ja, EN: en} }

// In picks the language: "en" or anything else for Japanese.
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.JA
}

func (t Text) empty() bool { return t.JA == "" && t.EN == "" }

// join puts texts together with a separator.
func join(sep string, ts ...Text) Text {
	var ja, en []string
	for _, t := range ts {
		if t.JA != "" {
			ja = append(ja, t.JA)
		}
		if t.EN != "" {
			en = append(en, t.EN)
		}
	}
	return Text{JA: strings.Join(ja, sep), EN: strings.Join(en, sep)}
}

// same is a text that reads alike in both languages (a number, a name).
func same(s string) Text { return Text{JA: s, EN: s} }

// bytesText formats a byte count in decimal units, as carriers bill.
func bytesText(n uint64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n), 0
	for v >= unit && exp < 4 {
		v /= unit
		exp++
	}
	suffix := []string{"B", "kB", "MB", "GB", "TB"}[exp]
	if v >= 10 {
		return fmt.Sprintf("%.0f %s", v, suffix)
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}

// count formats an integer with thousands separators.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// span formats a duration for people: "3時間12分" / "3 h 12 min".
func span(d time.Duration) Text {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	days, h, m, s := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case days > 0:
		return tx(fmt.Sprintf("%d日%d時間", days, h), fmt.Sprintf("%d d %d h", days, h))
	case h > 0:
		return tx(fmt.Sprintf("%d時間%d分", h, m), fmt.Sprintf("%d h %d min", h, m))
	case m > 0:
		return tx(fmt.Sprintf("%d分%d秒", m, s), fmt.Sprintf("%d min %d s", m, s))
	}
	return tx(fmt.Sprintf("%d秒", s), fmt.Sprintf("%d s", s))
}

// ago is "12秒前" / "12 s ago".
func ago(d time.Duration) Text {
	s := span(d)
	return tx(s.JA+"前", s.EN+" ago")
}

// stateText names a modem state.
func stateText(s modem.State) Text {
	switch s {
	case modem.StateStarting:
		return tx("起動中", "starting")
	case modem.StateNoModem:
		return tx("USBドングルなし", "no USB dongle")
	case modem.StateInitializing:
		return tx("初期化中", "initializing")
	case modem.StateNoSIM:
		return tx("SIMカードなし", "no SIM card")
	case modem.StateSIMLocked:
		return tx("SIMロック", "SIM locked")
	case modem.StateSearching:
		return tx("ネットワーク検索中", "searching for a network")
	case modem.StateDenied:
		return tx("登録拒否", "registration denied")
	case modem.StateConnecting:
		return tx("データ接続中", "connecting data")
	case modem.StateOnline:
		return tx("接続済み", "online")
	case modem.StateRecovering:
		return tx("復旧処理中", "recovering")
	case modem.StateUnresponsive:
		return tx("応答なし", "not answering")
	}
	return same(string(s))
}

// reasonText says in plain words why the modem is where it is.
func reasonText(r modem.Reason) Text {
	switch r {
	case modem.ReasonStarting:
		return tx("モデム管理を開始しています", "the modem manager is starting")
	case modem.ReasonNoPort:
		return tx("USBドングルが見つかりません", "no USB dongle found")
	case modem.ReasonNoATPort:
		return tx("USBドングルが応答しません", "the USB dongle does not answer")
	case modem.ReasonPortGone:
		return tx("USBドングルが外れました", "the USB dongle was unplugged")
	case modem.ReasonOpened:
		return tx("USBドングルを設定しています", "setting the USB dongle up")
	case modem.ReasonNoAnswer:
		return tx("USBドングルが応答しなくなりました", "the USB dongle stopped answering")
	case modem.ReasonSIMAbsent:
		return tx("SIMカードが入っていません", "no SIM card in the dongle")
	case modem.ReasonSIMFailure:
		return tx("SIMカードを読み取れません", "the SIM card cannot be read")
	case modem.ReasonPINRequired:
		return tx("SIMカードにPINロックがかかっています", "the SIM card asks for a PIN")
	case modem.ReasonPINRejected:
		return tx("設定されたPINが違います", "the configured PIN was rejected")
	case modem.ReasonPUKRequired:
		return tx("SIMカードがPUKロックされています", "the SIM card is locked by its PUK")
	case modem.ReasonSearching:
		return tx("携帯ネットワークを探しています", "looking for the mobile network")
	case modem.ReasonNoSignal:
		return tx("電波が届いていません", "no signal")
	case modem.ReasonDenied:
		return tx("ネットワークへの登録を拒否されました", "the network rejected the SIM")
	case modem.ReasonRegTimeout:
		return tx("ネットワークに登録できません", "cannot register with the network")
	case modem.ReasonRegistered:
		return tx("ネットワークに登録しました。データ接続を開始します", "registered; starting the data session")
	case modem.ReasonDataFailed:
		return tx("データ接続に失敗しました", "the data session failed")
	case modem.ReasonDataLost:
		return tx("データ接続が切れました。再接続しています", "the data session dropped; reconnecting")
	case modem.ReasonRegLost:
		return tx("ネットワークから外れました", "lost the network")
	case modem.ReasonModemRestarted:
		return tx("USBドングルが再起動しました", "the USB dongle restarted")
	case modem.ReasonOnline:
		return tx("LTEでクラウドに接続できます", "LTE data is up")
	case modem.ReasonReinit:
		return tx("復旧中: ドングルを再初期化しています", "recovering: re-initializing the dongle")
	case modem.ReasonRadioReset:
		return tx("復旧中: 無線をオフ・オンしています", "recovering: switching the radio off and on")
	case modem.ReasonUSBReset:
		return tx("復旧中: USBドングルをリセットしています", "recovering: resetting the USB dongle")
	}
	return same(string(r))
}

// reasonHint tells the technician what to do, when there is something.
func reasonHint(r modem.Reason) Text {
	switch r {
	case modem.ReasonNoPort, modem.ReasonPortGone:
		return tx("USBドングルをセンサーのUSB端子に差し込んでください。差し込み済みなら、一度抜いて差し直してください。",
			"Plug the USB dongle into the sensor. If it is plugged in, unplug it and plug it in again.")
	case modem.ReasonNoATPort, modem.ReasonNoAnswer:
		return tx("自動で復旧を試みています。直らない場合はUSBドングルを抜き差ししてください。",
			"Recovery is automatic. If it does not recover, unplug the dongle and plug it in again.")
	case modem.ReasonSIMAbsent, modem.ReasonSIMFailure:
		return tx("同梱のSIMカードを向きに注意してドングルに挿入してください。",
			"Insert the supplied SIM card into the dongle, the right way round.")
	case modem.ReasonPINRequired, modem.ReasonPINRejected, modem.ReasonPUKRequired:
		return tx("同梱のSIMカード以外が挿入されている可能性があります。サポートデスクへご連絡ください。",
			"This may not be the supplied SIM card. Contact the support desk.")
	case modem.ReasonNoSignal, modem.ReasonSearching, modem.ReasonRegTimeout:
		return tx("USB延長ケーブルでドングルを窓際や高い場所、金属製の盤から離れた位置に移してください。",
			"Use a USB extension cable to move the dongle near a window, higher up, away from metal cabinets.")
	case modem.ReasonDenied:
		return tx("SIMカードの契約が有効か確認してください。直らない場合はサポートデスクへご連絡ください。",
			"Check that the SIM card's contract is active; if so, contact the support desk.")
	case modem.ReasonDataFailed:
		return tx("APN設定を確認してください。直らない場合はサポートデスクへご連絡ください。",
			"Check the APN settings; if they are right, contact the support desk.")
	}
	return Text{}
}
