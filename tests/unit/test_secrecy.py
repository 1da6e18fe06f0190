"""The state-secret guard, as a table: what a civil servant or an attacker may send, both ways."""

import importlib
import time
import unicodedata

import pytest

from bot.services import secrecy
from bot.services.secrecy import is_classified

ZWSP, ZWJ, ZWNJ, WJ, SHY, BOM, VS16 = (
    "\u200b", "\u200d", "\u200c", "\u2060", "\u00ad", "\ufeff", "\ufe0f",
)
CYR_M, CYR_T, CYR_A, CYR_O = "\u041c", "\u0422", "\u0430", "\u041e"
GREEK_M, GREEK_T = "\u039c", "\u03a4"

# (text, why it must be refused)
REFUSE = [
    # The three grades, as stamped and as written in running text.
    ("MẬT", "the lowest grade stamp"),
    ("TỐI MẬT", "second grade"),
    ("TUYỆT MẬT", "top grade"),
    ("Văn bản Tuyệt mật", "grade in sentence case"),
    ("Quyết định Tối mật số 3", "grade after a document"),
    ("tuyệt   mật", "several spaces"),
    ("TUYỆT\u00a0MẬT", "no-break space"),
    ("Gửi đồng chí báo cáo TỐI MẬT về tình hình an ninh biên giới", "grade inside a sentence"),
    ("Bản đồ bố trí lực lượng - TUYỆT MẬT", "grade after a dash"),
    ("TỐIMẬT", "grade glued"),
    ("TUYỆTMẬT", "grade glued"),
    ("TOI MAT", "grade without diacritics, in capitals"),
    ("tuyet mat", "tuyệt mật has no everyday reading"),
    ("TUYETMAT", "glued without diacritics"),
    ("toimat", "glued without diacritics"),
    ("tai lieu toi mat", "bare grade after a document noun"),
    ("(toi mat)", "bare grade in brackets"),
    ("Toi mat", "bare grade alone on its line"),
    ("tối mat", "half the diacritics"),
    (unicodedata.normalize("NFD", "TỐI MẬT"), "decomposed"),
    # The grade label and phrases of the law.
    ("Độ mật: Tối mật", "grade label"),
    ("Độ mật: Mật. Số bản: 05", "grade label, lowest grade"),
    ("Độ Mật", "label as in Decree 26/2020"),
    ("dấu chỉ độ mật", "the stamp's name"),
    ("Đóng dấu Mật trước khi gửi", "the stamp's name"),
    ("Do mat: Toi mat", "bare label with a colon"),
    ("do mat: mat", "bare label with a colon"),
    ("Nội dung thuộc bí mật nhà nước", "state secret"),
    ("Tài liệu chứa bí mật nhà nước", "state secret"),
    ("Kèm theo bí mật nhà nước về đường biên.", "state secret"),
    ("bi mat nha nuoc", "state secret without diacritics"),
    ("BÍ MẬT NHÀ NƯỚC", "state secret in capitals"),
    ("BÍ MẬT NHÀ NƯỚC ĐỘ TUYỆT MẬT", "state secret and grade"),
    ("vi pham bi mat nha nuoc", "state secret, not its protection"),
    ("bímậtnhànước", "state secret glued"),
    ("Dữ liệu BMNN của huyện", "the common abbreviation"),
    ("tài liệu thuộc danh mục bí mật của Bộ", "on the list of secrets"),
    ("Văn bản thuộc danh mục bí mật nhà nước độ Tối mật", "on the list of secrets"),
    ("Chỉ người có tên mới được bóc bì", "the envelope stamp for secret mail"),
    # A document noun followed by the grade.
    ("Gửi kèm tài liệu mật về kế hoạch", "classified document"),
    ("văn bản mật số 12", "classified document"),
    ("Hồ sơ mật của đơn vị", "classified file"),
    ("Cần bổ sung thông tin mật về vị trí đóng quân", "classified information"),
    ("Kế hoạch mật số 05/KH-UBND", "classified plan"),
    ("TÀI LIỆU MẬT", "classified document in capitals"),
    ("tai lieu mat", "without diacritics"),
    ("thong tin mat", "without diacritics"),
    ("van ban mat", "without diacritics"),
    ("ho so mat", "without diacritics"),
    ("Tài liệu MẬT: kế hoạch bảo vệ", "the broadcast test's text"),
    # The stamp alone.
    ("MAT", "bare stamp alone"),
    ("Báo cáo (MẬT) gửi Sở", "stamp in brackets"),
    ("[MẬT] Kế hoạch phòng thủ", "stamp in square brackets"),
    ("«MẬT»", "stamp in quotes"),
    ("Bao cao (MAT)", "bare stamp in brackets"),
    ("MẬT - bản đồ đồn biên phòng", "stamp at the start of a caption"),
    ("Mật - bản đồ vùng biên", "stamp word heading a line"),
    ("MAT - ban do", "bare stamp heading a line as a label"),
    ("MẬT\nKế hoạch bảo vệ mục tiêu", "stamp on the first line"),
    ("MẬT\nBÁO CÁO\nTình hình an ninh trật tự quý III", "stamp heading a report"),
    ("Gửi anh: MẬT", "stamp after a colon"),
    ("BÁO CÁO MẬT", "stamp in a heading"),
    ("KẾ HOẠCH MẬT SỐ 05", "stamp in a heading"),
    ("mật", "the word alone on its line"),
    ("mẬt", "mixed case is a stamp, not sentence case"),
    # File names.
    ("Tai_lieu_mat.pdf", "file name"),
    ("KH_MẬT_01.docx", "stamp in a file name"),
    ("KH-MẬT-2024.pdf", "file name with dashes"),
    ("mật_kh_01.docx", "lower-case stamp in a file name"),
    ("MẬT.pdf", "stamp as the file name"),
    ("MAT.pdf", "bare stamp as the file name"),
    ("KH_MAT_01.docx", "bare stamp in a file name"),
    ("MAT_KH_2024.docx", "bare stamp opening a file name"),
    ("Ke hoach MAT.docx", "bare stamp in a file name with spaces"),
    ("BI_MAT_NHA_NUOC_2023.docx", "state secret in a file name"),
    ("TAI_LIEU_TOI_MAT.pdf", "grade in a file name"),
    ("QD_TUYET_MAT_2023.pdf", "grade in a file name"),
    ("Scan_van_ban_mat_so_12.pdf", "classified document in a file name"),
    # Invisible characters.
    (f"M{ZWSP}ẬT", "zero-width space"),
    (f"M{ZWJ}Ậ{ZWNJ}T", "zero-width joiner and non-joiner"),
    (f"M{WJ}ẬT", "word joiner"),
    (f"M{SHY}ẬT", "soft hyphen"),
    (f"{BOM}MẬT", "byte-order mark"),
    (f"MẬ{VS16}T", "variation selector"),
    (f"TỐI{ZWSP} MẬT", "zero-width space in the grade"),
    (f"M{ZWSP}A{ZWSP}T", "zero-width spaces in the bare stamp"),
    (f"tài{ZWSP} liệu m{ZWSP}ật", "zero-width spaces in a phrase"),
    ("M\u0336ẬT", "strike-through combining mark"),
    ("M\u20ddẬT", "enclosing circle"),
    # Spelt letter by letter, or broken inside the word.
    ("M.Ậ.T", "dotted letters"),
    ("M Ậ T", "spaced letters"),
    ("M-Ậ-T", "dashed letters"),
    ("M_Ậ_T", "underscored letters"),
    ("M * Ậ * T", "starred letters"),
    ("m.ậ.t", "dotted lower case"),
    ("T.Ố.I M.Ậ.T", "dotted grade"),
    ("T Ố I  M Ậ T", "spaced grade"),
    ("B.Í M.Ậ.T N.H.À N.Ư.Ớ.C", "dotted state secret"),
    ("Thông báo: Tài liệu M.Ậ.T không gửi qua nhóm", "dotted stamp in an announcement"),
    ("THÔNG BÁO: Gửi kèm T.À.I L.I.Ệ.U M.Ậ.T", "dotted phrase in an announcement"),
    ("T À I L I Ệ U M Ậ T", "spaced phrase, read glued"),
    ("T-Ố-I M-Ậ-T", "dashed grade"),
    ("tailieumat.pdf", "glued phrase in a file name"),
    ("M\nẬ\nT", "one letter a line"),
    ("M\tẬ\tT", "tabs between letters"),
    ("M。Ậ。T", "ideographic full stops"),
    ("MẬ T", "broken stamp"),
    ("M ẬT", "broken stamp"),
    ("TỐ I MẬT", "broken grade"),
    # Look-alike letters.
    (f"{CYR_M}ẬT", "Cyrillic М"),
    (f"{CYR_T}ỐI {CYR_M}Ậ{CYR_T}", "Cyrillic Т and М"),
    (f"{CYR_M} Ậ {CYR_T}", "Cyrillic, spaced"),
    (f"{GREEK_M}Ậ{GREEK_T}", "Greek Μ and Τ"),
    (f"T{CYR_O}I M{CYR_A}T".upper(), "Cyrillic О in the bare grade"),
    ("ＭẬＴ", "full-width letters"),
    ("ＴỐＩ ＭẬＴ", "full-width grade"),
    ("𝐌𝐀𝐓", "mathematical bold letters"),
    ("ᴍẬᴛ", "small capitals"),
    ("Ⓜ️ẬT", "circled letter and emoji selector"),
    # Each row below is the one a deliberate bug in the guard got past (`make mutants`).
    ("bao cao nay tuyet mat", "tuyet mat inside a sentence, without diacritics"),
    ("gui kem tai lieu toi mat cua huyen", "bare grade after a two-word document noun"),
    ("gui file toi mat cho anh", "bare grade after a one-word document noun"),
    ("Luu y: TOI MAT, khong chuyen tiep", "bare grade in capitals inside a sentence"),
    ("kh_so_5_toi_mat.pdf", "bare grade in a file name after a number"),
    ("Chuyển gấp, mẬt, cho đồng chí Hùng", "a capital inside the word is a stamp"),
    ("b.í m.ậ.t n.h.à n.ư.ớ.c", "state secret spelt out in lower case"),
    ("Số 12/KH\nKính gửi các xã\nmật – lưu hành nội bộ", "stamp heading the third line"),
    ("Kính gửi anh\nMAT\nKế hoạch phòng thủ\nSố 05", "bare stamp alone on a middle line"),
    ("Chứa bí mật nhà nước, không gửi", "state secret after one word"),
    ("Phụ lục→MẬT", "an arrow between a word and the stamp"),
    ("Kính gửi anh Hùng (mật)", "the stamp in brackets after a sentence"),
]

# (text, why it must pass)
PASS = [
    ("", "empty"),
    # Everyday words made of "mật".
    ("MẬT ĐỘ DÂN CƯ", "mật độ, density"),
    ("Mật độ dân số xã đạt 120 người/km2", "mật độ"),
    ("Kiểm tra mật độ phủ sóng 4G tại các thôn", "mật độ"),
    ("MẬT_ĐỘ_DÂN_SỐ_2023.xlsx", "mật độ in a file name"),
    ("MAT_DO_DAN_SO.xlsx", "mật độ, bare, in a file name"),
    ("Họp tối. Mật độ giao thông cao", "a sentence break is no grade"),
    ("ca trực buổi tối, mật độ xe đông", "a comma is no grade"),
    ("Xây dựng hệ thống thông tin mật độ dân số", "thông tin + mật độ"),
    ("BẢO MẬT THÔNG TIN", "bảo mật, security"),
    ("bảo đảm chế độ bảo mật thông tin", "bảo mật"),
    ("Quy chế bảo mật thông tin của UBND xã", "bảo mật"),
    ("Hội nghị quán triệt công tác bảo mật, an toàn thông tin", "bảo mật"),
    ("BẢO MẬT", "bảo mật in capitals"),
    ("BAO_MAT_THONG_TIN.pdf", "bảo mật, bare, in a file name"),
    (f"BẢO{ZWSP}MẬT", "an invisible space does not split bảo mật off"),
    ("MẬT KHẨU", "mật khẩu, password"),
    ("Đổi mật khẩu email công vụ", "mật khẩu"),
    ("THÔNG TIN MẬT KHẨU", "mật khẩu after a document noun"),
    ("Đã gửi mật khẩu wifi cho anh", "mật khẩu"),
    ("Cập nhật mật khẩu VNeID cho người dân", "mật khẩu"),
    ("ＭẬＴ ＫＨẨＵ", "full-width mật khẩu"),
    ("mật_khẩu_wifi.txt", "mật khẩu in a file name"),
    ("mật ong", "honey"),
    ("MẬT ONG BẮC KẠN", "honey in capitals"),
    ("Mật ong rừng là sản phẩm OCOP của xã", "honey at a line start"),
    ("mật thiết", "close"),
    ("Mức độ mật thiết giữa hai đơn vị", "độ + mật thiết"),
    ("Tăng cường mối quan hệ mật thiết với nhân dân", "mật thiết"),
    ("mật mã", "cryptography"),
    ("Ban Cơ yếu hướng dẫn sử dụng mật mã dân sự", "mật mã"),
    ("Trò chơi giải mật thư", "a youth union game"),
    ("GIẢI MẬT THƯ", "the game in capitals"),
    ("Tuần trăng mật", "honeymoon"),
    ("Quan hệ thân mật", "intimate"),
    ("sỏi mật", "gallstones"),
    # "bí mật" alone is no marking.
    ("giữ bí mật bất ngờ cho buổi lễ", "a surprise"),
    ("giữ bí mật món quà cho các em", "a surprise"),
    ("Chuẩn bị bí mật quà tặng cho các cháu", "a surprise"),
    ("Đề nghị các đơn vị giữ bí mật kết quả trước khi công bố", "bí mật alone"),
    ("BÍ MẬT", "bí mật alone in capitals"),
    # The law and the duty of protecting state secrets.
    ("Tập huấn Luật Bảo vệ bí mật nhà nước năm 2018", "the law's name"),
    ("Đã tổ chức 02 buổi tuyên truyền Luật Bảo vệ bí mật nhà nước cho 150 cán bộ", "the law"),
    ("công tác bảo vệ bí mật nhà nước", "the duty"),
    ("phòng, chống lộ, lọt bí mật nhà nước", "the duty"),
    ("Báo cáo công tác bảo vệ BMNN năm 2023", "the duty, abbreviated"),
    ("bao ve bi mat nha nuoc", "the duty without diacritics"),
    ("HỘI THI TÌM HIỂU LUẬT BẢO VỆ BÍ MẬT NHÀ NƯỚC", "the law in a heading"),
    ("Bao_cao_cong_tac_bao_ve_BMNN_2023.docx", "the duty in a file name"),
    ("Mật phục bắt đối tượng vận chuyển hàng lậu", "mật phục, an ambush"),
    # "mat" without diacritics meaning "mất" (lost) or "mặt" (face, front).
    ("do mat dien nen chua bao cao", "do mất điện, a power cut"),
    ("mat dien", "mất điện"),
    ("MAT DIEN TOAN XA", "mất điện in capitals"),
    ("mat song", "mất sóng"),
    ("mat mang", "mất mạng"),
    ("toi mat dien thoai", "tôi mất điện thoại"),
    ("hom nay toi mat dien", "tôi mất điện"),
    ("toi mat vi roi", "tôi mất ví"),
    ("TOI MAT DIEN", "tôi mất điện in capitals"),
    ("BAO_CAO_MAT_DIEN.docx", "mất điện in a file name"),
    ("Mat", "a name"),
    ("Anh Mat đã gửi ảnh", "a name"),
    ("ra mat mo hinh", "ra mắt"),
    ("anh_gap_mat.jpg", "gặp mặt in a file name"),
    ("DS_CO_MAT.xlsx", "có mặt in a file name"),
    ("DIEM DANH: CO MAT 25, VANG 2", "có mặt in capitals"),
    ("MAT_TRAN_TO_QUOC.docx", "mặt trận in a file name"),
    ("mat.pdf", "lower-case bare mat is too ambiguous in a file name"),
    ("khuon_mat.jpg", "khuôn mặt"),
    # Words with other diacritics.
    ("Mặt trận Tổ quốc", "mặt trận"),
    ("Đã treo 20 băng rôn tại Mặt trận", "mặt trận"),
    ("MẶT TRẬN", "mặt trận in capitals"),
    ("bề mặt", "surface"),
    ("Hội nghị gặp mặt doanh nghiệp", "gặp mặt"),
    ("Danh sách có mặt", "có mặt"),
    ("Giải phóng mặt bằng dự án đường tỉnh", "mặt bằng"),
    ("hồ sơ mặt bằng", "mặt bằng after a document noun"),
    ("mất điện", "mất điện"),
    ("Tỷ lệ mất điện giảm so với cùng kỳ", "mất điện"),
    ("Báo cáo v/v mất sóng tại thôn 3", "mất sóng"),
    ("TÔI MẤT ĐIỆN", "tôi mất, not tối mật"),
    ("Tôi mất ví", "tôi mất"),
    ("MẮT", "eye"),
    ("Lễ ra mắt mô hình dân vận khéo", "ra mắt"),
    ("trời mát", "cool"),
    ("tối mát trời", "cool evening, not tối mật"),
    ("buổi tối mát mẻ", "cool evening"),
    ("mạt", "another word"),
    # Text that merely looks busy.
    ("Thông tin tuyên truyền đã đăng", "no mark"),
    ("Nhà văn hóa thôn", "no mark"),
    ("a, b, c, d", "single letters joined harmlessly"),
    ("Điểm a, b, c khoản 1 Điều 5", "single letters joined harmlessly"),
    ("U.B.N.D xã", "initials"),
    ("T.P Hồ Chí Minh", "initials"),
    ("Хорошо", "Russian"),
    ("Μάθημα", "Greek"),
    ("the format is fine", "English"),
    ("MATERIAL", "English"),
    ("Matxcơva", "a city"),
    # Each row below is the one a deliberate bug in the guard got past (`make mutants`).
    ("Đặc sản Kon Tum (mật rừng, cà phê", "honey, after a bracket never closed"),
    ("thong tin mat dien ca xa", "thông tin mất điện, a power cut"),
    ("Hom qua TOI Mat vi o cho", "tôi mất ví, shouted half in capitals"),
    ("Hom nay t.o.i m.a.t", "tôi mất spelt out stays two words"),
    ("Chị gửi mật rừng Kon Tum\nCảm ơn anh", "honey mid-line, another line after"),
    ("Ừ, mật rừng thì anh mua giúp em", "honey after a one-letter word"),
    ("Anh oi\nMAT VI ROI", "mất ví in capitals heading a line"),
    ("HOM NAY AI MAT - BAO LAI NGAY", "mất in capitals before a dash, mid-line"),
    ("Nhắc nhở cán bộ không để lộ bí mật nhà nước", "the duty not to leak a state secret"),
]


# No explicit ids: pytest keeps explicit ones and escapes them again when collecting twice in
# one process (mutmut does), so `make mutants` could not find these tests by name.
@pytest.mark.parametrize(("text", "why"), REFUSE)
def test_classified_material_is_refused(text, why):
    assert is_classified(text), why


@pytest.mark.parametrize(("text", "why"), PASS)
def test_ordinary_text_passes(text, why):
    assert not is_classified(text), why


def test_the_table_is_large_both_ways():
    assert len(REFUSE) >= 75 and len(PASS) >= 75
    assert len({t for t, _ in REFUSE}) == len(REFUSE)
    assert len({t for t, _ in PASS}) == len(PASS)


def test_a_freshly_started_bot_judges_the_whole_table_alike():
    # The guard's patterns are built once, when the module loads: build them again and judge.
    fresh = importlib.reload(secrecy)
    assert [t for t, _ in REFUSE if not fresh.is_classified(t)] == []
    assert [t for t, _ in PASS if fresh.is_classified(t)] == []


def test_no_text_at_all_is_not_classified():
    assert not is_classified(None)


def test_long_and_hostile_texts_stay_fast():
    texts = [
        "bảo mật " * 500,
        "M " * 2000,
        "_" * 4000,
        "mật\n" * 1000,
        ZWSP * 4000,
        "a" * 4000,
    ]
    started = time.perf_counter()
    for text in texts:
        is_classified(text)
    # Generous: the point is no quadratic or catastrophic backtracking (about 30 ms here).
    assert time.perf_counter() - started < 2
