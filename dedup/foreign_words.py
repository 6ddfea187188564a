"""Words of the office's other languages for :mod:`dedup.features`: the topics (benefit and service names, meeting,
interpreter, complaint, rent, payment …) in Arabic and Persian script, Ethiopic, Cyrillic, Spanish, Somali,
Lithuanian and Swedish. Curated from the languages, not from any labelled message."""

from __future__ import annotations

import re

_F = re.IGNORECASE | re.UNICODE

#: The same topics in words of other scripts (Arabic and Persian script, Ethiopic, Cyrillic) and of Latin-script
#: languages the office sees beside Norwegian (Spanish, Somali, Lithuanian, Swedish): the evidence that survives
#: translation when one person writes the same request in two languages. Searched only in texts that hold a
#: letter outside Norwegian's own (:data:`FOREIGN`), so Norwegian messages pay nothing for them.
FOREIGN_TOPICS: dict[str, re.Pattern[str]] = {name: re.compile(rx, _F) for name, rx in {
    "dagpenger": r"prestaci[oó]n por desempleo|subsidio de desempleo|\bparo\b|shaqo la'?aan\w*|nedarbo išmok\w*|"
                 r"a-kassa|arbetslöshetsersättning\w*|إعانة البطالة|البطالة|пособи\w* по безработиц\w*|"
                 r"безробітт\w*|безработиц\w*|بیکاری",
    "sykepenger": r"baja (por enfermedad|m[eé]dica)|sjukpenning\w*|больничн\w*|ligos išmok\w*|lacagta buka",
    "sykmelding": r"sjukskriv\w*|إجازة مرضية|تقرير طبي|medicinsk\w* (pažym|nedarbingum)\w*",
    "uforetrygd": r"incapacidad permanente|invalidez|sjukersättning\w*|інвалідн\w*|инвалидн\w*|العجز|"
                  r"neįgalum\w*|naafonimo",
    "foreldrepenger": r"prestaci[oó]n por (nacimiento|maternidad|paternidad)|baja (de )?(maternidad|paternidad)|"
                      r"föräldrapenning\w*|декрет\w*|إجازة (الأمومة|الأبوة)|motinystės|tėvystės",
    "barnetrygd": r"prestaci[oó]n por hijo|barnbidrag\w*|допомог\w* на дит\w*|детск\w* пособи\w*|"
                  r"إعانة الأطفال|علاوة الأطفال|lacagta (carruurta|ilmaha)|vaiko pinig\w*",
    "sosialhjelp": r"ayuda social|alquiler|försörjningsstöd\w*|\bhyra\b|соціальн\w* допомог\w*|оренд\w*|"
                   r"социальн\w* помощ\w*|аренд\w*|المساعدة الاجتماعية|مساعدة اجتماعية|الإيجار|إيجار|"
                   r"کمک اجتماعی|کرایه|اجاره|ودیعه|ضمانت|kirada|kiro\b|socialin\w* param\w*|nuom\w*|ክራይ",
    "pensjon": r"pensi[oó]n|jubilaci[oó]n|ålderspension\w*|пенсі\w*|пенси\w*|تقاعد|معاش|pensij\w*|hawlgab\w*",
    "kontonummer": r"cuenta bancaria|n[uú]mero de cuenta|bankkonto\w*|счет|счёт|حساب بنكي|رقم الحساب|"
                   r"حساب بانکی|akoon\w*|xisaab\w* bangi|sąskait\w*",
    "innlogging": r"iniciar sesi[oó]n|logga in|войти|вход\w*|تسجيل الدخول|prisijung\w*|gal(i|a)\b",
    "mote": r"\bcita\b|reuni[oó]n|\bmöte\w*|встреч\w*|موعد\w{0,2}|\b(ال)?اجتماع\b|ملاقات|جلسه|ballan\w*|ኣኼባ|ቆጸራ|"
            r"susitikim\w*",
    "tolk": r"int[eé]rprete|traductor\w*|переводчик\w*|مترجم|ترجمان|ژباړونکی|vertėj\w*|tolkning\w*|ተርጓሚ",
    "tiltak": r"\bcurso\w*|pr[aá]cticas|\bkurs\w*|\bкурс\w*|دورة|تدريب|کورس|koorso\w*|tababar\w*|ኮርስ|"
              r"kurs(ai|us|uose)|praktik\w*",
    "cv": r"curr[ií]culum|\bcv\b|سيرة ذاتية|резюме|gyvenimo aprašym\w*",
    "skatt": r"impuesto\w*|\bskatt\w*|податк\w*|налог\w*|ضريبة|مالیات|mokesč\w*|cashuur\w*",
    "klage": r"reclamaci[oó]n|\brecurso\b|\bqueja\b|överklag\w*|شكوى|اعتراض|تظلم|شکایت|cabasho|racfaan|ጥርዓን|"
             r"skund\w*",
    "adresse": r"mudanza|direcci[oó]n|mudarme|\bflytt\w*|переезд\w*|переех\w*|عنوان|آدرس|cinwaan\w*|"
               r"adres\w*|persikel\w*",
    "arbeidsgiver": r"empleador|\bjefe\b|despido|arbetsgivare\w*|роботодав\w*|работодател\w*|صاحب العمل|"
                    r"darbdav\w*|shaqo.?bixiye",
    "utbetaling": r"\bpago\b|dinero|utbetalning\w*|выплат\w*|гроші|деньги|الدفعة|المال|فلوس|پول|\blacag\w*|"
                  r"ገንዘብ|išmok\w*|pinig\w*",
    "vedtak": r"decisi[oó]n|resoluci[oó]n|\bbeslut\w*|решени\w*|قرار|تصمیم|go'?aan\w*|sprendim\w*",
    "helse": r"m[eé]dico|hospital|läkare|vårdcentral\w*|лікар\w*|врач\w*|больниц\w*|طبيب|مستشفى|داکتر|دکتر|"
             r"dhakhtar\w*|isbitaal\w*|ሓኪም|gydytoj\w*",
}.items()}
#: A letter or a common word Norwegian and English do not use: only then are :data:`FOREIGN_TOPICS` searched.
FOREIGN = re.compile(r"[^\x00-\x7fæøåÆØÅéÉüÜ\u2000-\u2bff\U0001f000-\U0001faff]|"
                      r"\b(el|la|los|las|por|para|que|una|waxaan|iyo|aan|ar|kad|mano|jag|och|inte|är)\b", _F)
