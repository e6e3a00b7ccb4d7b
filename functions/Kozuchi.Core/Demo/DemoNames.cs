namespace Kozuchi.Core.Demo;

/// <summary>A name part: kanji, katakana reading, Hepburn romaji (for e-mail addresses).</summary>
internal sealed record NamePart(string Kanji, string Kana, string Romaji, double Weight = 1);

/// <summary>A city: its 3-digit postal prefix and its fixed-line area code (with the trunk 0, 2–4 digits).</summary>
internal sealed record DemoCity(string Name, string PostalPrefix, string AreaCode);

internal sealed record DemoPrefecture(string Name, double Weight, IReadOnlyList<DemoCity> Cities);

/// <summary>Reference lists for plausible Japanese people and places. Frequencies are rough (name ranks, population).</summary>
internal static class DemoNames
{
    public static IReadOnlyList<NamePart> Surnames { get; } = Ranked(
    [
        ("佐藤", "サトウ", "sato"), ("鈴木", "スズキ", "suzuki"), ("高橋", "タカハシ", "takahashi"), ("田中", "タナカ", "tanaka"),
        ("伊藤", "イトウ", "ito"), ("渡辺", "ワタナベ", "watanabe"), ("山本", "ヤマモト", "yamamoto"), ("中村", "ナカムラ", "nakamura"),
        ("小林", "コバヤシ", "kobayashi"), ("加藤", "カトウ", "kato"), ("吉田", "ヨシダ", "yoshida"), ("山田", "ヤマダ", "yamada"),
        ("佐々木", "ササキ", "sasaki"), ("山口", "ヤマグチ", "yamaguchi"), ("松本", "マツモト", "matsumoto"), ("井上", "イノウエ", "inoue"),
        ("木村", "キムラ", "kimura"), ("林", "ハヤシ", "hayashi"), ("斎藤", "サイトウ", "saito"), ("清水", "シミズ", "shimizu"),
        ("山崎", "ヤマザキ", "yamazaki"), ("森", "モリ", "mori"), ("池田", "イケダ", "ikeda"), ("橋本", "ハシモト", "hashimoto"),
        ("阿部", "アベ", "abe"), ("石川", "イシカワ", "ishikawa"), ("山下", "ヤマシタ", "yamashita"), ("中島", "ナカジマ", "nakajima"),
        ("石井", "イシイ", "ishii"), ("小川", "オガワ", "ogawa"), ("前田", "マエダ", "maeda"), ("岡田", "オカダ", "okada"),
        ("長谷川", "ハセガワ", "hasegawa"), ("藤田", "フジタ", "fujita"), ("後藤", "ゴトウ", "goto"), ("近藤", "コンドウ", "kondo"),
        ("村上", "ムラカミ", "murakami"), ("遠藤", "エンドウ", "endo"), ("青木", "アオキ", "aoki"), ("坂本", "サカモト", "sakamoto"),
        ("斉藤", "サイトウ", "saito"), ("福田", "フクダ", "fukuda"), ("太田", "オオタ", "ota"), ("西村", "ニシムラ", "nishimura"),
        ("藤井", "フジイ", "fujii"), ("金子", "カネコ", "kaneko"), ("岡本", "オカモト", "okamoto"), ("藤原", "フジワラ", "fujiwara"),
        ("中野", "ナカノ", "nakano"), ("三浦", "ミウラ", "miura"), ("原田", "ハラダ", "harada"), ("松田", "マツダ", "matsuda"),
        ("竹内", "タケウチ", "takeuchi"), ("小野", "オノ", "ono"), ("田村", "タムラ", "tamura"), ("中山", "ナカヤマ", "nakayama"),
        ("和田", "ワダ", "wada"), ("石田", "イシダ", "ishida"), ("上田", "ウエダ", "ueda"), ("森田", "モリタ", "morita"),
    ]);

    public static IReadOnlyList<NamePart> FemaleGiven { get; } = Ranked(
    [
        ("陽子", "ヨウコ", "yoko"), ("恵子", "ケイコ", "keiko"), ("美香", "ミカ", "mika"), ("由美", "ユミ", "yumi"),
        ("真由美", "マユミ", "mayumi"), ("久美子", "クミコ", "kumiko"), ("直美", "ナオミ", "naomi"), ("裕子", "ユウコ", "yuko"),
        ("智子", "トモコ", "tomoko"), ("明美", "アケミ", "akemi"), ("幸子", "サチコ", "sachiko"), ("美穂", "ミホ", "miho"),
        ("麻衣", "マイ", "mai"), ("愛", "アイ", "ai"), ("彩", "アヤ", "aya"), ("沙織", "サオリ", "saori"),
        ("香織", "カオリ", "kaori"), ("千尋", "チヒロ", "chihiro"), ("美咲", "ミサキ", "misaki"), ("遥", "ハルカ", "haruka"),
        ("葵", "アオイ", "aoi"), ("結衣", "ユイ", "yui"), ("陽菜", "ヒナ", "hina"), ("さくら", "サクラ", "sakura"),
        ("七海", "ナナミ", "nanami"), ("彩花", "アヤカ", "ayaka"), ("奈々", "ナナ", "nana"), ("由佳", "ユカ", "yuka"),
        ("恵", "メグミ", "megumi"), ("亜希子", "アキコ", "akiko"), ("理恵", "リエ", "rie"), ("早紀", "サキ", "saki"),
        ("友美", "トモミ", "tomomi"), ("加奈子", "カナコ", "kanako"), ("瞳", "ヒトミ", "hitomi"), ("優子", "ユウコ", "yuko"),
        ("紀子", "ノリコ", "noriko"), ("真理子", "マリコ", "mariko"), ("舞", "マイ", "mai"), ("綾", "アヤ", "aya"),
    ]);

    public static IReadOnlyList<NamePart> MaleGiven { get; } = Ranked(
    [
        ("太郎", "タロウ", "taro"), ("健太", "ケンタ", "kenta"), ("翔太", "ショウタ", "shota"), ("大輔", "ダイスケ", "daisuke"),
        ("拓也", "タクヤ", "takuya"), ("直樹", "ナオキ", "naoki"), ("誠", "マコト", "makoto"), ("浩", "ヒロシ", "hiroshi"),
        ("健一", "ケンイチ", "kenichi"), ("達也", "タツヤ", "tatsuya"), ("和也", "カズヤ", "kazuya"), ("翔", "ショウ", "sho"),
        ("蓮", "レン", "ren"), ("大樹", "ダイキ", "daiki"), ("亮", "リョウ", "ryo"), ("隆", "タカシ", "takashi"),
        ("悠斗", "ユウト", "yuto"), ("剛", "ツヨシ", "tsuyoshi"), ("修", "オサム", "osamu"), ("一郎", "イチロウ", "ichiro"),
    ]);

    public static IReadOnlyList<DemoPrefecture> Prefectures { get; } =
    [
        P("北海道", 51, ("札幌市中央区", "060", "011"), ("旭川市", "070", "0166"), ("函館市", "040", "0138")),
        P("青森県", 12, ("青森市", "030", "017"), ("八戸市", "031", "0178")),
        P("岩手県", 12, ("盛岡市", "020", "019")),
        P("宮城県", 23, ("仙台市青葉区", "980", "022"), ("石巻市", "986", "0225")),
        P("秋田県", 9, ("秋田市", "010", "018")),
        P("山形県", 10, ("山形市", "990", "023")),
        P("福島県", 18, ("福島市", "960", "024"), ("郡山市", "963", "024")),
        P("茨城県", 28, ("水戸市", "310", "029"), ("つくば市", "305", "029")),
        P("栃木県", 19, ("宇都宮市", "320", "028")),
        P("群馬県", 19, ("前橋市", "371", "027"), ("高崎市", "370", "027")),
        P("埼玉県", 73, ("さいたま市浦和区", "330", "048"), ("川口市", "332", "048"), ("川越市", "350", "049")),
        P("千葉県", 63, ("千葉市中央区", "260", "043"), ("船橋市", "273", "047"), ("柏市", "277", "0471")),
        P("東京都", 140, ("世田谷区", "154", "03"), ("渋谷区", "150", "03"), ("練馬区", "176", "03"), ("杉並区", "166", "03"), ("八王子市", "192", "042"), ("町田市", "194", "042")),
        P("神奈川県", 92, ("横浜市港北区", "222", "045"), ("川崎市中原区", "211", "044"), ("藤沢市", "251", "0466"), ("相模原市中央区", "252", "042")),
        P("新潟県", 21, ("新潟市中央区", "950", "025")),
        P("富山県", 10, ("富山市", "930", "076")),
        P("石川県", 11, ("金沢市", "920", "076")),
        P("福井県", 7, ("福井市", "910", "0776")),
        P("山梨県", 8, ("甲府市", "400", "055")),
        P("長野県", 20, ("長野市", "380", "026"), ("松本市", "390", "0263")),
        P("岐阜県", 19, ("岐阜市", "500", "058")),
        P("静岡県", 36, ("静岡市葵区", "420", "054"), ("浜松市中央区", "430", "053")),
        P("愛知県", 75, ("名古屋市中区", "460", "052"), ("名古屋市千種区", "464", "052"), ("豊田市", "471", "0565")),
        P("三重県", 17, ("津市", "514", "059"), ("四日市市", "510", "059")),
        P("滋賀県", 14, ("大津市", "520", "077")),
        P("京都府", 25, ("京都市左京区", "606", "075"), ("宇治市", "611", "0774")),
        P("大阪府", 88, ("大阪市北区", "530", "06"), ("豊中市", "560", "06"), ("堺市堺区", "590", "072")),
        P("兵庫県", 54, ("神戸市中央区", "650", "078"), ("西宮市", "662", "0798"), ("姫路市", "670", "079")),
        P("奈良県", 13, ("奈良市", "630", "0742")),
        P("和歌山県", 9, ("和歌山市", "640", "073")),
        P("鳥取県", 5, ("鳥取市", "680", "0857")),
        P("島根県", 6, ("松江市", "690", "0852")),
        P("岡山県", 18, ("岡山市北区", "700", "086")),
        P("広島県", 27, ("広島市中区", "730", "082"), ("福山市", "720", "084")),
        P("山口県", 13, ("山口市", "753", "083"), ("下関市", "750", "083")),
        P("徳島県", 7, ("徳島市", "770", "088")),
        P("香川県", 9, ("高松市", "760", "087")),
        P("愛媛県", 13, ("松山市", "790", "089")),
        P("高知県", 7, ("高知市", "780", "088")),
        P("福岡県", 51, ("福岡市中央区", "810", "092"), ("北九州市小倉北区", "802", "093"), ("久留米市", "830", "0942")),
        P("佐賀県", 8, ("佐賀市", "840", "0952")),
        P("長崎県", 13, ("長崎市", "850", "095")),
        P("熊本県", 17, ("熊本市中央区", "860", "096")),
        P("大分県", 11, ("大分市", "870", "097")),
        P("宮崎県", 10, ("宮崎市", "880", "0985")),
        P("鹿児島県", 16, ("鹿児島市", "890", "099")),
        P("沖縄県", 15, ("那覇市", "900", "098")),
    ];

    public static IReadOnlyList<string> Towns { get; } =
        ["本町", "中央", "栄町", "緑町", "旭町", "幸町", "若葉", "桜台", "東町", "西町", "南町", "北町", "新町", "大町", "泉町", "松が丘", "富士見", "青葉台", "日吉", "春日"];

    public static IReadOnlyList<string> BuildingStems { get; } =
        ["サンライズ", "グリーン", "桜", "ひまわり", "エクセル", "ベルメゾン", "アーバン", "フォレスト", "レイクサイド", "シャトー", "ロイヤル", "リバーサイド"];

    public static IReadOnlyList<string> BuildingKinds { get; } = ["ハイツ", "コーポ", "マンション", "レジデンス", "パレス", "ヒルズ"];

    /// <summary>Only reserved example domains (RFC 2606 example.com/.net/.org; JPRS reserves example.jp and example.co.jp/ne.jp).</summary>
    public static IReadOnlyList<(string Domain, double Weight)> EmailDomains { get; } =
        [("example.com", 30), ("example.jp", 25), ("example.ne.jp", 20), ("example.co.jp", 8), ("example.net", 12), ("example.org", 5)];

    public static IReadOnlyList<(string Medium, double Weight)> Media { get; } =
        [("Google広告", 28), ("Instagram", 22), ("LINE広告", 15), ("アフィリエイト", 12), ("自然検索", 16), ("紹介", 7)];

    public static double[] SurnameWeights { get; } = DemoRandom.Cumulative(Surnames.Select(s => s.Weight));
    public static double[] FemaleWeights { get; } = DemoRandom.Cumulative(FemaleGiven.Select(s => s.Weight));
    public static double[] MaleWeights { get; } = DemoRandom.Cumulative(MaleGiven.Select(s => s.Weight));
    public static double[] PrefectureWeights { get; } = DemoRandom.Cumulative(Prefectures.Select(p => p.Weight));
    public static double[] DomainWeights { get; } = DemoRandom.Cumulative(EmailDomains.Select(d => d.Weight));
    public static double[] MediaWeights { get; } = DemoRandom.Cumulative(Media.Select(m => m.Weight));

    private static NamePart[] Ranked((string Kanji, string Kana, string Romaji)[] parts) =>
        [.. parts.Select((p, i) => new NamePart(p.Kanji, p.Kana, p.Romaji, 1.0 / Math.Pow(i + 3, 0.8)))];

    private static DemoPrefecture P(string name, double weight, params (string City, string Postal, string Area)[] cities) =>
        new(name, weight, [.. cities.Select(c => new DemoCity(c.City, c.Postal, c.Area))]);
}
