// Every page of the dashboard, one module each; importing a module registers its page (definePage) and its texts.
// Navigation order (nav.order): 概要 10, RFM 20, 顧客 30, セグメント 40, シナリオ 50, テンプレート 60, 商品 70,
// コホート 80, 分析 (SQL) 90, リスト出力 100, 送信プレビュー 110, 取込・エラー 120.
import "./overview.js";
import "./rfm.js";
import "./customers.js";
import "./scenarios.js";
import "./scenario-new.js";
import "./segments.js";
import "./templates.js";
import "./products.js";
import "./cohorts.js";
import "./sql.js";
import "./exports.js";
import "./outbox.js";
import "./operations.js";
