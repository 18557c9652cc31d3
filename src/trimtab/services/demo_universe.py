"""The demo firm's universe: asset classes, securities, allocations and models.

Problem: the real return series (`trimtab/data/`) carries tickers only. A firm needs each
security classified (asset class, sector, wash group) and a product shelf of funds.

Rule:
- Stocks: the 431 tickers of the data set, each given a GICS-style sector (the 2016
  eleven-sector scheme) from the table below, written from general knowledge of the
  companies as of 2016 — approximate, not an authoritative GICS assignment. Stocks in
  `MID_CAPS` (smaller index members of the time) are US Mid Cap; the rest US Large Cap.
  A stock's name is its ticker ("MMM common stock"): the data set has no names. Stocks
  that are share classes of one company carry its issuer id (`simulate/issuers.py`:
  FOX and FOXA → `21CF`), so under the default policy they are one wash group.
- Funds: for each asset class, a *Trimtab* ETF, a *Trimtab* index mutual fund in two
  share classes (institutional `…IX`, investor `…AX`; one wash group, because two share
  classes of one fund are substantially identical) and a *Keel* ETF tracking a different
  index (its own wash group: the tax-loss-harvesting substitute). All fund names and
  tickers are fictional. Cash: the Trimtab Treasury Money Market Fund (TTMXX).
- Five asset allocations from Conservative (60% bonds) to Aggressive Growth (93%
  equity); models: one all-ETF model per allocation and a US Large Cap direct index.

    >>> [c.id for c in ASSET_CLASSES][:3]
    ['EQUITY', 'US_LARGE', 'US_MID']
    >>> SECTOR_OF["AAPL"], asset_class_of_stock("AAPL"), asset_class_of_stock("FOSL")
    ('Information Technology', 'US_LARGE', 'US_MID')
    >>> stock_security("FOXA").effective_wash_group, stock_security("GOOGL").issuer_id
    ('issuer:21CF', None)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain import AssetAllocation, AssetClass, Model, Security, SecurityType
from trimtab.simulate.issuers import ISSUERS

__all__ = [
    "ALLOCATIONS",
    "ASSET_CLASSES",
    "FUNDS",
    "MID_CAPS",
    "MONEY_MARKET",
    "SECTOR_OF",
    "FundLine",
    "asset_class_of_stock",
    "etf_models",
    "fund_securities",
    "stock_security",
]


def _words(text: str) -> list[str]:
    return text.split()


ASSET_CLASSES = (
    AssetClass("EQUITY", "Equity"),
    AssetClass("US_LARGE", "US Large Cap", "EQUITY"),
    AssetClass("US_MID", "US Mid Cap", "EQUITY"),
    AssetClass("US_SMALL", "US Small Cap", "EQUITY"),
    AssetClass("INTL_DEV", "International Developed", "EQUITY"),
    AssetClass("EM", "Emerging Markets", "EQUITY"),
    AssetClass("FIXED_INCOME", "Fixed Income"),
    AssetClass("US_AGG", "US Aggregate Bond", "FIXED_INCOME"),
    AssetClass("MUNI", "Municipal Bond", "FIXED_INCOME"),
    AssetClass("TIPS", "TIPS", "FIXED_INCOME"),
    AssetClass("CASH", "Cash"),
)

_SECTORS = {
    "Information Technology": """ACN ATVI ADBE AKAM ADS GOOGL APH ADI AAPL AMAT ADSK ADP CA
        CSCO CTXS CTSH CSC GLW EBAY EA FFIV FIS FSLR FISV FLIR HRS HPQ INTC IBM INTU JNPR
        KLAC LRCX LLTC MA MCHP MU MSFT MSI NTAP NVDA ORCL PAYX QCOM RHT CRM STX SWKS SYMC
        TXN TSS VRSN WDC WU XRX XLNX YHOO""",
    "Health Care": """ABT AET A AGN ALXN ABC AMGN BCR BAX BDX BIIB BSX BMY CAH HSIC CELG
        CERN CI DHR DVA XRAY EW ENDP ESRX GILD HUM ISRG JNJ LH LLY MCK MDT MRK MYL PDCO
        PKI PRGO PFE DGX REGN STJ SYK THC TMO UNH UHS VAR VRTX WAT ANTM ZBH""",
    "Financials": """AFL AMG ALL AXP AMP AON AIZ BAC BK BBT BLK COF SCHW CB CINF C CME CMA
        FITB BEN GS HBAN ICE IVZ JPM KEY LM LUK LNC L MTB MMC MET MCO MS NDAQ NTRS PBCT
        PNC PFG PGR PRU RF STI TROW TMK USB UNM WFC ZION""",
    "Consumer Discretionary": """AAP AMZN AN AZO BBBY BBY HRB BWA KMX CCL CBS CMG COH
        CMCSA DHI DRI DISCA DLTR EXPE F FOSL GME GPS GRMN GPC GT HBI HOG HAR HAS HD IPG
        KSS LB LEG LEN LOW M MAR MAT MCD MHK NFLX NWL NKE JWN ORLY OMC RL PCLN PHM PVH
        ROST RCL SIG SPLS SBUX TGT TGNA TIF TWX TJX TSCO FOXA FOX URBN VFC VIAB DIS WHR
        WYN WYNN YUM""",
    "Consumer Staples": """MO ADM CPB CLX KO CCE CL CAG STZ COST CVS EL GIS HRL K KMB KR
        MKC TAP MDLZ MNST PEP PG RAI SJM SYY HSY TSN WMT WBA WFM""",
    "Industrials": """MMM AAL AME BA CHRW CAT CTAS CSX CMI DE DOV DNB ETN EMR EFX EXPD
        FAST FDX FLS FLR GD GE GWW HON ITW IR JEC JBHT JCI KSU LLL LMT MAS NSC NOC PCAR
        PH PNR PBI PWR RTN RSG RHI ROK COL ROP R SNA LUV SWK SRCL TXT UNP UAL UPS URI UTX
        WM""",
    "Energy": """APC APA BHI COG CHK CVX XEC COP CNX DVN DO ESV EOG EQT XOM FTI HAL HP
        HES MRO MUR NOV NFX NBL OXY OKE PXD RRC SLB SWN SE TSO RIG VLO WMB""",
    "Materials": """APD AVY BLL CF DOW DD EMN ECL FMC FCX IP IFF MLM MON MOS NEM NUE OI
        PX SEE SHW VMC""",
    "Real Estate": """AMT AIV AVB BXP CBG CCI EQIX EQR ESS HCP HST IRM KIM MAC PLD PSA O
        SPG SLG VTR VNO HCN WY""",
    "Utilities": """AES AEE AEP CNP CMS ED D DTE DUK EIX ETR ES EXC FE NEE NI NRG PCG PNW
        PPL PEG SCG SRE SO WEC XEL""",
    "Telecommunication Services": "T CTL FTR LVLT VZ",
}

SECTOR_OF: dict[str, str] = {
    ticker: sector for sector, tickers in _SECTORS.items() for ticker in tickers.split()
}

# Smaller index members around 2016 (roughly under $10 billion of market value).
MID_CAPS = frozenset(
    _words("""AIV AIZ AN BBBY CNX COG DNB DO ENDP ESV FLIR FLS FOSL FSLR FTI FTR GME GPS GT HAR
    HBI HOG HP HRB JEC JWN KSS LEG LM LUK M MAC MAT MUR NFX NRG OI PBCT PBI PDCO PVH PWR
    R RHI RIG RL RRC SCG SEE SIG SPLS SRCL SWN TGNA THC TMK UNM URBN URI WU WYN XEC XRX
    ZION""")
)


def asset_class_of_stock(ticker: str) -> str:
    return "US_MID" if ticker in MID_CAPS else "US_LARGE"


def stock_security(ticker: str) -> Security:
    return Security(
        ticker,
        name=f"{ticker} common stock",
        type=SecurityType.STOCK,
        asset_class=asset_class_of_stock(ticker),
        sector=SECTOR_OF.get(ticker),
        issuer_id=ISSUERS.get(ticker),
    )


@dataclass(frozen=True, slots=True)
class FundLine:
    """The products that fill one asset class, and the simple model of its returns."""

    asset_class: str
    code: str  # TT{code} ETF, TT{code}IX / TT{code}AX fund, K{code} Keel ETF
    label: str
    keel_label: str

    @property
    def etf(self) -> str:
        return f"TT{self.code}"

    @property
    def institutional(self) -> str:
        return f"TT{self.code}IX"

    @property
    def investor(self) -> str:
        return f"TT{self.code}AX"

    @property
    def keel(self) -> str:
        return f"K{self.code}"


FUNDS = (
    FundLine("US_LARGE", "LC", "US Large Cap", "Large Cap Core"),
    FundLine("US_MID", "MC", "US Mid Cap", "Mid Cap Core"),
    FundLine("US_SMALL", "SC", "US Small Cap", "Small Cap Blend"),
    FundLine("INTL_DEV", "ID", "International Developed Markets", "EAFE Core"),
    FundLine("EM", "EM", "Emerging Markets", "Emerging Markets Core"),
    FundLine("US_AGG", "AG", "US Aggregate Bond", "Core Bond"),
    FundLine("MUNI", "MU", "National Municipal Bond", "Tax-Exempt Bond"),
    FundLine("TIPS", "TP", "Inflation-Protected Treasury", "Real Return Treasury"),
)

MONEY_MARKET = Security(
    "TTMXX",
    name="Trimtab Treasury Money Market Fund",
    type=SecurityType.MUTUAL_FUND,
    asset_class="CASH",
    sector=None,
    wash_group="TTMXX",
)


def fund_securities() -> list[Security]:
    securities = []
    for line in FUNDS:
        fund_group = f"TT{line.code}-INDEX-FUND"
        securities += [
            Security(
                line.etf,
                name=f"Trimtab {line.label} ETF",
                type=SecurityType.ETF,
                asset_class=line.asset_class,
            ),
            Security(
                line.institutional,
                name=f"Trimtab {line.label} Index Fund Institutional Shares",
                type=SecurityType.MUTUAL_FUND,
                asset_class=line.asset_class,
                wash_group=fund_group,
            ),
            Security(
                line.investor,
                name=f"Trimtab {line.label} Index Fund Investor Shares",
                type=SecurityType.MUTUAL_FUND,
                asset_class=line.asset_class,
                wash_group=fund_group,
            ),
            Security(
                line.keel,
                name=f"Keel {line.keel_label} ETF",
                type=SecurityType.ETF,
                asset_class=line.asset_class,
            ),
        ]
    return [*securities, MONEY_MARKET]


def _weights(*pairs: tuple[str, str]) -> dict[str, Decimal]:
    return {cls: Decimal(w) for cls, w in pairs if Decimal(w)}


ALLOCATIONS = (
    AssetAllocation(
        "CONSERVATIVE",
        "Conservative",
        _weights(
            ("US_LARGE", "0.12"),
            ("US_MID", "0.04"),
            ("US_SMALL", "0.02"),
            ("INTL_DEV", "0.05"),
            ("EM", "0.02"),
            ("US_AGG", "0.45"),
            ("MUNI", "0.10"),
            ("TIPS", "0.15"),
            ("CASH", "0.05"),
        ),
    ),
    AssetAllocation(
        "MODERATELY_CONSERVATIVE",
        "Moderately Conservative",
        _weights(
            ("US_LARGE", "0.20"),
            ("US_MID", "0.06"),
            ("US_SMALL", "0.04"),
            ("INTL_DEV", "0.08"),
            ("EM", "0.02"),
            ("US_AGG", "0.38"),
            ("MUNI", "0.08"),
            ("TIPS", "0.10"),
            ("CASH", "0.04"),
        ),
    ),
    AssetAllocation(
        "MODERATE",
        "Moderate",
        _weights(
            ("US_LARGE", "0.30"),
            ("US_MID", "0.08"),
            ("US_SMALL", "0.05"),
            ("INTL_DEV", "0.12"),
            ("EM", "0.05"),
            ("US_AGG", "0.28"),
            ("MUNI", "0.05"),
            ("TIPS", "0.04"),
            ("CASH", "0.03"),
        ),
    ),
    AssetAllocation(
        "GROWTH",
        "Growth",
        _weights(
            ("US_LARGE", "0.38"),
            ("US_MID", "0.10"),
            ("US_SMALL", "0.07"),
            ("INTL_DEV", "0.15"),
            ("EM", "0.06"),
            ("US_AGG", "0.16"),
            ("MUNI", "0.03"),
            ("TIPS", "0.03"),
            ("CASH", "0.02"),
        ),
    ),
    AssetAllocation(
        "AGGRESSIVE_GROWTH",
        "Aggressive Growth",
        _weights(
            ("US_LARGE", "0.45"),
            ("US_MID", "0.12"),
            ("US_SMALL", "0.09"),
            ("INTL_DEV", "0.18"),
            ("EM", "0.09"),
            ("US_AGG", "0.04"),
            ("MUNI", "0"),
            ("TIPS", "0.01"),
            ("CASH", "0.02"),
        ),
    ),
)


def etf_models() -> list[Model]:
    """One all-ETF model per allocation: each class's weight on its Trimtab ETF."""
    etf_of = {line.asset_class: line.etf for line in FUNDS} | {"CASH": MONEY_MARKET.ticker}
    return [
        Model(
            f"{a.id}_ETF",
            f"{a.name} ETF Portfolio",
            {etf_of[cls]: w for cls, w in a.weights.items()},
        )
        for a in ALLOCATIONS
    ]
